/**
 * The lexical baseline: BM25 (MiniSearch's BM25+ ranking, a maintained library) over exactly the chunks the
 * product indexed, their text read from disk by path and line range. Only the tokenisation is ours, because code
 * needs it: identifiers are kept whole and also split at snake_case and camelCase boundaries.
 */
import MiniSearch from 'minisearch';
import { ChunkTextReader, type ChunkSpan } from '../chunking/chunk-text-reader';

/** Identifier-aware tokens: `getURLField_name` → getURLField_name, get, url, field, name (lower-cased later). */
export function codeTokens(text: string): string[] {
  const out: string[] = [];
  for (const word of text.match(/[A-Za-z_][A-Za-z0-9_]*|[0-9]+/g) ?? []) {
    out.push(word);
    const parts = word
      .split('_')
      .flatMap((p) => p.split(/(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])/))
      .filter((p) => p.length > 0);
    if (parts.length > 1) out.push(...parts);
  }
  return out;
}

export interface Bm25Hit extends ChunkSpan {
  score: number;
}

interface Doc { id: number; path: string; text: string }

export class Bm25Index {
  private readonly search_: MiniSearch<Doc>;
  private readonly chunks: ChunkSpan[];
  /** Milliseconds spent reading chunk text and building the index (reported by the bench). */
  readonly buildMs: number;

  private constructor(chunks: ChunkSpan[], mini: MiniSearch<Doc>, buildMs: number) {
    this.chunks = chunks;
    this.search_ = mini;
    this.buildMs = buildMs;
  }

  /** Index `chunks` of the corpus at `root`; the path is indexed too, as the product's doc_template includes it. */
  static build(root: string, chunks: ChunkSpan[]): Bm25Index {
    const t0 = performance.now();
    const reader = new ChunkTextReader(root);
    const mini = new MiniSearch<Doc>({
      fields: ['path', 'text'],
      tokenize: codeTokens,
      processTerm: (t) => (t.length > 1 || /[0-9]/.test(t) ? t.toLowerCase() : null),
    });
    mini.addAll(chunks.map((c, id) => ({ id, path: c.path, text: reader.read(c) })));
    return new Bm25Index(chunks, mini, performance.now() - t0);
  }

  get size(): number { return this.chunks.length; }

  /** Top-k chunks for a free-text query (terms OR-ed, BM25+ scored). */
  query(question: string, k: number): Bm25Hit[] {
    return this.search_.search(question, { combineWith: 'OR' })
      .slice(0, k)
      .map((r) => ({ ...this.chunks[r.id as number], score: r.score }));
  }

  /** Bytes of the serialised index (MiniSearch's JSON), the baseline's "index size". */
  serialisedBytes(): number {
    return Buffer.byteLength(JSON.stringify(this.search_));
  }
}
