/**
 * The inspector's source preview: the cited lines READ FROM DISK now (the store keeps no source text), marked stale
 * when the file's current content no longer hashes to the contentHash the memory was made from.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { decodeText } from './engine/discovery/read-source';
import type { SourcePreview } from './shared/webview-protocol';
import { resolveInsideWorkspace } from './workspace-paths';

/** Lines shown per hit; a longer chunk is cut and marked truncated. */
export const PREVIEW_MAX_LINES = 40;
const PREVIEW_MAX_BYTES = 8 * 1024 * 1024;

/**
 * A chunk's contentHash is SHA-256 (hex) of its lines joined with '\n', after the engine's own decoding (BOM
 * stripped, UTF-16 decoded) and line-ending normalisation (extension/engine/chunking/chunk-file.ts). The preview
 * decodes with the engine's decodeText and hashes the same way, so "stale" means the cited lines really changed.
 */
export function chunkHash(lines: readonly string[]): string {
  return createHash('sha256').update(lines.join('\n')).digest('hex');
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
  const decoded = decodeText(bytes);
  if (!decoded.ok) return { kind: 'unavailable', reason: decoded.reason };
  const all = decoded.text.replace(/\r\n?/g, '\n').split('\n');
  if (all.length > 1 && all[all.length - 1] === '') all.pop(); // a final newline opens no new line
  if (startLine > all.length) {
    return { kind: 'unavailable', reason: `the file now has ${all.length} lines; the memory starts at line ${startLine} (stale)` };
  }
  const chunkLines = all.slice(startLine - 1, Math.min(endLine, all.length));
  return {
    kind: 'lines',
    startLine,
    lines: chunkLines.slice(0, PREVIEW_MAX_LINES),
    stale: chunkHash(chunkLines) !== contentHash,
    truncated: chunkLines.length > PREVIEW_MAX_LINES,
  };
}
