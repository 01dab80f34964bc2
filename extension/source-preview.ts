/**
 * The inspector's source preview: the cited lines READ FROM DISK now (the store keeps no source text), marked stale
 * when the file's current content no longer hashes to the contentHash the memory was made from.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import type { SourcePreview } from './shared/webview-protocol';
import { resolveInsideWorkspace } from './workspace-paths';

/** Lines shown per hit; a longer chunk is cut and marked truncated. */
export const PREVIEW_MAX_LINES = 40;
const PREVIEW_MAX_BYTES = 8 * 1024 * 1024;

/**
 * Candidate hashes of what the engine may have hashed: the whole file, or the chunk's own lines. Both are
 * SHA-256 hex of UTF-8; a memory is fresh when either matches, so the preview works whichever level the store keeps.
 */
function sha256(text: string | Buffer): string {
  return createHash('sha256').update(text).digest('hex');
}

export async function readPreview(
  roots: readonly string[], relPath: string, startLine: number, endLine: number, contentHash: string,
): Promise<SourcePreview> {
  const resolved = await resolveInsideWorkspace(roots, relPath);
  if (!resolved.ok) return { kind: 'unavailable', reason: resolved.reason };
  let bytes: Buffer;
  try {
    const stat = await fs.stat(resolved.file);
    if (stat.size > PREVIEW_MAX_BYTES) return { kind: 'unavailable', reason: `file is larger than ${PREVIEW_MAX_BYTES} bytes` };
    bytes = await fs.readFile(resolved.file);
  } catch (err) {
    return { kind: 'unavailable', reason: `unreadable: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` };
  }
  const text = bytes.toString('utf8');
  const all = text.split(/\r?\n/);
  if (startLine > all.length) {
    return { kind: 'unavailable', reason: `the file now has ${all.length} lines; the memory starts at line ${startLine} (stale)` };
  }
  const chunkLines = all.slice(startLine - 1, Math.min(endLine, all.length));
  const hash = contentHash.toLowerCase();
  const fresh = hash === sha256(bytes) || hash === sha256(chunkLines.join('\n')) || hash === sha256(chunkLines.join('\n') + '\n');
  return {
    kind: 'lines',
    startLine,
    lines: chunkLines.slice(0, PREVIEW_MAX_LINES),
    stale: !fresh,
    truncated: chunkLines.length > PREVIEW_MAX_LINES,
  };
}
