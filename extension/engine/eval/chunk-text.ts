/**
 * Chunk text for the baselines, read from disk by path and line range (the store keeps no source text), and the
 * extractive answer baseline: the top-1 chunk's docstring, or its first lines when it has none. Secret values are
 * redacted as the chunker redacts them, so the baselines see the text the product sees.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { acceptsUnquotedValues, redactSecrets } from '../chunking/secret-values';

/** A chunk's location: corpus-relative path, 1-based inclusive lines. */
export interface ChunkSpan {
  path: string;
  startLine: number;
  endLine: number;
}

export class ChunkTextReader {
  private readonly cache = new Map<string, string[]>();
  constructor(private readonly root: string) {}

  lines(path: string): string[] {
    let l = this.cache.get(path);
    if (!l) {
      try {
        const text = readFileSync(join(this.root, path), 'utf8').replace(/\r\n?/g, '\n');
        l = redactSecrets(text, { unquotedValues: acceptsUnquotedValues(path) }).text.split('\n');
      } catch {
        l = [];
      }
      this.cache.set(path, l);
    }
    return l;
  }

  read(c: ChunkSpan): string {
    return this.lines(c.path).slice(Math.max(0, c.startLine - 1), c.endLine).join('\n');
  }
}

export const EXTRACTIVE_FALLBACK_LINES = 5;

/**
 * The docstring of a chunk: a Python triple-quoted string opening within its first lines (after the def/class
 * line), or a leading comment block (/** … *\/, //, #). Null when there is none.
 */
export function docstringOf(text: string): string | null {
  const lines = text.split('\n');
  const head = lines.slice(0, 8).join('\n');
  const py = /("""|''')([\s\S]*?)\1/.exec(text);
  if (py && head.includes(py[1])) return py[2].trim() || null;
  const block = /^\s*\/\*\*?([\s\S]*?)\*\//.exec(text);
  if (block) return block[1].split('\n').map((l) => l.replace(/^\s*\*\s?/, '')).join('\n').trim() || null;
  const comment: string[] = [];
  for (const l of lines) {
    const m = /^\s*(?:\/\/|#)(?!!)\s?(.*)$/.exec(l);
    if (!m) break;
    comment.push(m[1]);
  }
  return comment.join('\n').trim() || null;
}

/** Extractive answer from one chunk's text: its docstring, else its first non-empty lines. */
export function extractiveAnswer(text: string, fallbackLines = EXTRACTIVE_FALLBACK_LINES): string {
  const doc = docstringOf(text);
  if (doc) return doc;
  return text.split('\n').filter((l) => l.trim().length > 0).slice(0, fallbackLines).join('\n');
}
