/**
 * Reads one candidate file and decides whether it is text worth indexing: binaries (NUL bytes, too much invalid
 * UTF-8), minified one-liners and unreadable files are refused with a reason; UTF-16 with a BOM is decoded.
 * The content hash is over the raw bytes, so an unchanged file is recognised without decoding it.
 */
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';

/** A line longer than this marks generated or minified text that would make one useless chunk. */
export const MAX_LINE_CHARS = 5_000;
/** Share of undecodable bytes above which a file counts as binary rather than text with a few bad bytes. */
const MAX_INVALID_UTF8_RATIO = 0.01;
const SNIFF_BYTES = 8_192;

export type SourceRead =
  | { ok: true; text: string; contentHash: string; size: number }
  | { ok: false; reason: string; contentHash?: string };

export function hashBytes(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export async function readSource(absPath: string): Promise<SourceRead> {
  let bytes: Buffer;
  try {
    // O_NONBLOCK: a path that became a FIFO after the scan would otherwise block open() until some writer appears,
    // stalling the whole run silently. It changes nothing for regular files; what was opened is checked below.
    const handle = await open(absPath, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      if (!(await handle.stat()).isFile()) return { ok: false, reason: 'not a regular file' };
      bytes = await handle.readFile();
    } finally {
      await handle.close();
    }
  } catch (err) {
    return { ok: false, reason: `unreadable: ${(err as NodeJS.ErrnoException).code ?? String(err)}` };
  }
  const contentHash = hashBytes(bytes);
  const decoded = decodeText(bytes);
  if (!decoded.ok) return { ok: false, reason: decoded.reason, contentHash };
  const longest = longestLine(decoded.text);
  if (longest > MAX_LINE_CHARS) {
    return { ok: false, reason: `minified or generated (a line of ${longest} characters)`, contentHash };
  }
  return { ok: true, text: decoded.text, contentHash, size: bytes.length };
}

/** Decodes bytes as UTF-8 (BOM stripped) or BOM-marked UTF-16; refuses binary content with a reason. */
export function decodeText(bytes: Uint8Array): { ok: true; text: string } | { ok: false; reason: string } {
  if (bytes.length >= 2 && ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff))) {
    const encoding = bytes[0] === 0xff ? 'utf-16le' : 'utf-16be';
    if (bytes.length % 2 !== 0) return { ok: false, reason: `invalid ${encoding.toUpperCase()} (odd byte count)` };
    const text = new TextDecoder(encoding).decode(bytes.subarray(2));
    if (text.includes('\u0000')) return { ok: false, reason: 'binary content (NUL characters in UTF-16)' };
    return { ok: true, text };
  }
  const sniff = bytes.subarray(0, SNIFF_BYTES);
  if (sniff.includes(0)) return { ok: false, reason: 'binary content (NUL bytes)' };
  const start = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  const text = new TextDecoder('utf-8').decode(bytes.subarray(start));
  if (bytes.subarray(start).includes(0)) return { ok: false, reason: 'binary content (NUL bytes)' };
  let invalid = 0;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 0xfffd) invalid++;
  // Genuine U+FFFD in source is rare; a real text file with a stray Latin-1 byte stays well under the ratio.
  if (invalid > 0 && invalid / Math.max(1, text.length) > MAX_INVALID_UTF8_RATIO) {
    const pct = ((100 * invalid) / text.length).toFixed(1);
    return { ok: false, reason: `not UTF-8 text (${pct}% invalid characters)` };
  }
  return { ok: true, text };
}

function longestLine(text: string): number {
  let longest = 0;
  let start = 0;
  for (;;) {
    const nl = text.indexOf('\n', start);
    const end = nl < 0 ? text.length : nl;
    if (end - start > longest) longest = end - start;
    if (nl < 0) return longest;
    start = nl + 1;
  }
}
