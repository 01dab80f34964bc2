/**
 * A MemoryReader for retrieval/answer tests that do not need the LanceDB store: memories computed by the bundle's
 * real compressor for texts the test writes, served with exact flat cosine in JS (the same math the store does).
 * Its lexical() is a plain count of the question's words found in each text — just enough to exercise fusion; the
 * store's BM25 is tested with the store.
 */
import type { MemoryReader, ModelBundle, ScoredChunk, StoredChunk } from '../../extension/engine/engine-parts';
import { flatCosine } from '../../extension/engine/retrieval/cosine';

export interface TestDoc {
  path: string;
  code: string;
  symbol?: string;
}

export class ExactMemoryReader implements MemoryReader {
  private constructor(private readonly rows: Array<{ chunk: StoredChunk; memory: Float32Array; text: string }>) {}

  /** Compresses `docs` (formatted with the bundle's doc_template) with the real compressor. */
  static async build(bundle: ModelBundle, docs: TestDoc[]): Promise<ExactMemoryReader> {
    const texts = docs.map((d) => bundle.manifest.doc_template.replace('{path}', d.path).replace('{code}', d.code));
    const memories = await bundle.compressor.encode(texts);
    return new ExactMemoryReader(docs.map((d, i) => ({
      chunk: {
        id: `chunk-${i}`, path: d.path, startLine: 1, endLine: d.code.split('\n').length, symbol: d.symbol ?? null,
        language: 'python', contentHash: `hash-${i}`, modelVersion: bundle.manifest.version,
      },
      memory: memories[i],
      text: texts[i],
    })));
  }

  memoryOf(id: string): Float32Array {
    return this.rows.find((r) => r.chunk.id === id)!.memory;
  }

  async nearest(queryMemory: Float32Array, k: number): Promise<ScoredChunk[]> {
    return this.rows
      .map((r) => ({ ...r.chunk, score: flatCosine(queryMemory, r.memory) }))
      .sort((a, b) => b.score - a.score)
      .slice(0, k);
  }

  async lexical(question: string, k: number): Promise<ScoredChunk[]> {
    const words = [...new Set(question.toLowerCase().match(/[a-z_][a-z0-9_]+/g) ?? [])];
    return this.rows
      .map((r) => ({ ...r.chunk, score: words.filter((w) => r.text.toLowerCase().includes(w)).length }))
      .filter((c) => c.score > 0)
      .sort((a, b) => b.score - a.score)
      .slice(0, k);
  }

  async memories(chunkIds: string[]): Promise<Float32Array[]> {
    return chunkIds.map((id) => this.memoryOf(id));
  }
}

/** A small corpus of unrelated Python functions. */
export const SAMPLE_DOCS: TestDoc[] = [
  { path: 'mathops/add.py', symbol: 'add_numbers', code: 'def add_numbers(a, b):\n    """Return the sum of two numbers."""\n    return a + b' },
  { path: 'storage/stack.py', symbol: 'Stack', code: 'class Stack:\n    def __init__(self):\n        self.items = []\n\n    def push(self, item):\n        self.items.append(item)\n\n    def pop(self):\n        return self.items.pop()' },
  { path: 'net/http_client.py', symbol: 'fetch_url', code: 'import urllib.request\n\ndef fetch_url(url, timeout=10):\n    """Download the body of a web page."""\n    with urllib.request.urlopen(url, timeout=timeout) as response:\n        return response.read()' },
  { path: 'text/slug.py', symbol: 'slugify', code: 'import re\n\ndef slugify(title):\n    """Turn a title into a lower-case URL slug."""\n    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")' },
  { path: 'files/config_loader.py', symbol: 'load_config', code: 'import json\n\ndef load_config(path):\n    """Read a JSON configuration file."""\n    with open(path) as f:\n        return json.load(f)' },
  { path: 'dates/weekday.py', symbol: 'is_weekend', code: 'import datetime\n\ndef is_weekend(day: datetime.date) -> bool:\n    """True on Saturday and Sunday."""\n    return day.weekday() >= 5' },
];
