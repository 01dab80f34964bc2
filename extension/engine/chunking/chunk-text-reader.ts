/**
 * A chunk's text, read from disk by path and line range (the store keeps no source text), with secret values
 * redacted as the chunker redacts them: the baselines see the text the product indexed, and grounded answering
 * (answer/grounded-spans.ts) can only quote what a memory was made from.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
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
