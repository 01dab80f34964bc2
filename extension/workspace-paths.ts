/**
 * Turns a path that came from a webview (or from the engine's citations) into a real file inside a workspace
 * folder, or refuses with a reason. Webview messages are untrusted input: `../`, absolute paths outside the roots,
 * and symlinks whose target lies outside are all refused. No 'vscode' import, so the rules are tested under Node.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

export type Resolved = { ok: true; file: string; root: string } | { ok: false; reason: string };

/** Whether `child` is `parent` or lies below it (both absolute, already normalised). */
export function isWithin(parent: string, child: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/**
 * Resolves `requested` (workspace-relative with '/' separators, or absolute) against each of `roots` in order — the
 * first is the one the engine indexes — and checks with fs.realpath that the file really is inside that root.
 */
export async function resolveInsideWorkspace(roots: readonly string[], requested: string): Promise<Resolved> {
  if (roots.length === 0) return { ok: false, reason: 'no workspace folder is open' };
  if (requested.includes('\0')) return { ok: false, reason: 'the path contains a NUL character' };
  const parts = requested.split(/[\\/]+/);
  if (parts.includes('..')) return { ok: false, reason: `"${requested}" climbs out with '..'` };
  let refusal: string | undefined;
  for (const root of roots) {
    const candidate = path.isAbsolute(requested) ? path.normalize(requested) : path.join(root, ...parts);
    if (!isWithin(root, candidate)) continue;
    let realRoot: string;
    let realFile: string;
    try {
      realRoot = await fs.realpath(root);
      realFile = await fs.realpath(candidate);
    } catch {
      refusal ??= `"${requested}" does not exist in the workspace`;
      continue; // a relative path may name a file of a later root
    }
    if (!isWithin(realRoot, realFile)) {
      return { ok: false, reason: `"${requested}" resolves outside the workspace folder (symbolic link)` };
    }
    const stat = await fs.stat(realFile);
    if (!stat.isFile()) return { ok: false, reason: `"${requested}" is not a file` };
    return { ok: true, file: realFile, root: realRoot };
  }
  return { ok: false, reason: refusal ?? `"${requested}" is outside the workspace folders` };
}
