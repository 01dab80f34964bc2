/**
 * Gitignore-style rules of one workspace: nested .gitignore files, .claraignore files (same syntax) and extra
 * patterns from the host (VS Code's files.exclude). A path is tested against the rules of every folder above it,
 * deepest last, so a nested file can re-include what a parent excluded — as git does.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import ignore, { type Ignore } from 'ignore';

const RULE_FILES = ['.gitignore', '.claraignore'] as const;

/** One rule file: its root-relative name and its parsed patterns. */
interface RuleFile {
  source: string;
  matcher: Ignore;
}

export interface IgnoreVerdict {
  ignored: boolean;
  /** The rule file (or 'files.exclude') whose pattern decided. */
  source?: string;
}

export class IgnoreRules {
  private readonly folders = new Map<string, RuleFile[]>();
  private readonly extra: Ignore | null;

  constructor(private readonly root: string, extraExcludes: readonly string[] = []) {
    const patterns = extraExcludes.map((p) => p.trim()).filter((p) => p.length > 0 && !p.startsWith('#'));
    this.extra = patterns.length > 0 ? ignore().add(patterns) : null;
  }

  /** Tests a root-relative path ('/'-separated); `isDir` makes folder-only patterns (`build/`) apply. */
  test(relPath: string, isDir: boolean): IgnoreVerdict {
    const candidate = isDir ? `${relPath}/` : relPath;
    if (this.extra?.ignores(candidate)) return { ignored: true, source: 'files.exclude' };
    let verdict: IgnoreVerdict = { ignored: false };
    const parts = relPath.split('/');
    // A path inside an ignored folder is ignored: git never descends into it, so neither do rules below it.
    for (let depth = 0; depth < parts.length; depth++) {
      const dir = parts.slice(0, depth).join('/');
      const rest = parts.slice(depth).join('/');
      for (const rules of this.rulesOf(dir)) {
        const result = rules.matcher.test(isDir ? `${rest}/` : rest);
        if (result.ignored) verdict = { ignored: true, source: rules.source };
        else if (result.unignored) verdict = { ignored: false };
      }
    }
    return verdict;
  }

  /** Forgets cached rules (after a .gitignore or .claraignore changed). */
  reset(): void {
    this.folders.clear();
  }

  private rulesOf(dir: string): RuleFile[] {
    const cached = this.folders.get(dir);
    if (cached) return cached;
    const rules: RuleFile[] = [];
    for (const name of RULE_FILES) {
      const file = path.join(this.root, dir, name);
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch {
        continue; // no rule file here (or unreadable): nothing to apply
      }
      rules.push({ source: dir ? `${dir}/${name}` : name, matcher: ignore().add(text) });
    }
    this.folders.set(dir, rules);
    return rules;
  }
}

export function isRuleFile(relPath: string): boolean {
  const base = relPath.slice(relPath.lastIndexOf('/') + 1);
  return (RULE_FILES as readonly string[]).includes(base);
}
