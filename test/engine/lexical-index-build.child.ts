/**
 * Child process of lance-threads.test.ts: builds the store's full-text index over many distinct terms the way the
 * indexer does (commits in batches, then refreshLexicalIndex and compact), in a process of its own so that LanceDB
 * starts with the environment this process was given. Prints what it built as JSON.
 *
 *   node --import tsx test/engine/lexical-index-build.child.ts <store folder> <chunks> <terms per chunk>
 */
import { MemoryStore } from '../../extension/engine/store/memory-store';
import type { ChunkRow, FileRecord } from '../../extension/engine/store/store-schema';

const [storeDir, chunkCount, termsPerChunk] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];
const DIM = 8;
const BATCHES = 50;

/** mulberry32: the same terms on every run. */
function seeded(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function main(): Promise<void> {
  const random = seeded(7);
  const { store } = await MemoryStore.open(storeDir, { modelVersion: 'lexical-build-test', dim: DIM });
  const perBatch = Math.ceil(chunkCount / BATCHES);
  for (let start = 0; start < chunkCount; start += perBatch) {
    const chunks: ChunkRow[] = [];
    const files: FileRecord[] = [];
    for (let i = start; i < Math.min(chunkCount, start + perBatch); i++) {
      const p = `src/file${i}.py`;
      // Nearly every term occurs once: hundreds of thousands of posting lists, several output batches.
      const terms = Array.from({ length: termsPerChunk }, () => `t${Math.floor(random() * 1e9).toString(36)}`);
      if (i === chunkCount - 1) terms.push('needleterm');
      const vector = Array.from({ length: DIM }, () => random() - 0.5);
      const norm = Math.hypot(...vector);
      chunks.push({ id: `${p}#1`, path: p, start_line: 1, end_line: 1, symbol: null, language: 'python', content_hash: `h${i}`,
        model_version: 'lexical-build-test', vector: vector.map((v) => v / norm), norm, lexical: terms.join(' ') });
      files.push({ path: p, contentHash: `h${i}`, mtimeMs: 1, size: 1, status: 'indexed', reason: null, chunks: 1 });
    }
    await store.commit({ chunks, files, replacePaths: files.map((f) => f.path), removePaths: [] });
  }
  await store.refreshLexicalIndex();
  await store.compact();
  const hits = await store.lexical('needleterm', 3);
  process.stdout.write(JSON.stringify({ chunks: (await store.counts()).chunks, hits: hits.map((h) => h.path),
    lanceCpuThreads: process.env.LANCE_CPU_THREADS ?? null }));
  store.close();
}

main().catch((err) => {
  process.stderr.write(String(err instanceof Error ? err.stack : err));
  process.exit(1);
});
