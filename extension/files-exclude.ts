/**
 * VS Code's `files.exclude` → gitignore-syntax patterns for EngineOptions.extraExcludes.
 * files.exclude maps glob → true | false | { when }. Only plain `true` entries exclude unconditionally; `when`
 * clauses depend on sibling files and are left to the engine's own ignore rules. Brace groups ({a,b}) are valid
 * in VS Code globs but not in gitignore, so they are expanded here.
 */
export function filesExcludeToPatterns(filesExclude: Record<string, unknown>): string[] {
  const out = new Set<string>();
  for (const [glob, value] of Object.entries(filesExclude)) {
    if (value !== true) continue;
    for (const p of expandBraces(glob.trim())) if (p) out.add(p);
  }
  return [...out];
}

/** Expands the first {a,b,…} group recursively; at most 64 results so a hostile setting cannot explode. */
export function expandBraces(glob: string, limit = 64): string[] {
  const open = glob.indexOf('{');
  const close = open < 0 ? -1 : glob.indexOf('}', open);
  if (open < 0 || close < 0) return [glob];
  const head = glob.slice(0, open);
  const tail = glob.slice(close + 1);
  const results: string[] = [];
  for (const alt of glob.slice(open + 1, close).split(',')) {
    for (const r of expandBraces(head + alt + tail, limit)) {
      if (results.length >= limit) return results;
      results.push(r);
    }
  }
  return results;
}
