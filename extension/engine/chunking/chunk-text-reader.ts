/**
 * A chunk's text, read from disk by path and line range (the store keeps no source text), with secret values
 * redacted as the chunker redacts them: the baselines see the text the product indexed, and grounded answering
 * (answer/grounded-spans.ts) can only quote what a memory was made from.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { acceptsUnquotedValues, redactSecrets } from './secret-values';

/** A chunk's location: corpus-relative path, 1-based inclusive lines. */
export interface ChunkSpan {
  path: string;
  startLine: number;
  endLine: number;
}

export class ChunkTextReader {
  private readonly cache = new Map<string, string[]>();
  constructor(private readonly root: string) {}

  /** The file's redacted lines; none for a path outside the root (a store is data, not trusted to stay inside it). */
  lines(path: string): string[] {
    let l = this.cache.get(path);
    if (!l) {
      const abs = resolve(this.root, path);
      const rel = relative(this.root, abs);
      if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) {
        this.cache.set(path, []);
        return [];
      }
      try {
        const text = readFileSync(abs, 'utf8').replace(/\r\n?/g, '\n');
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
