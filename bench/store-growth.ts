/**
 * The store's share of indexing as the store grows, without the model: batches of one-chunk files (the load
 * test's shape: every path new, every content new) go through the indexer's store calls — findMemories (the reuse
 * lookup) then commit — with random unit memories of the bundle's width. Per window of rows it reports ms per batch
 * for each call and RSS; at each checkpoint it times flat-cosine search (nearest) and memories() for a few ids.
 *
 *   node --import tsx bench/store-growth.ts [rows=20000] [window=2000] [out.json] [search=1] [compactEvery=0] [batch=32]
 *
 * batch: files (= chunks) per commit, or 'grow' for the indexer's growing batches (chunksPerBatch).
 * compactEvery=N compacts the store every N commits (counted in the commit time).
 * search=0 leaves search out until the last checkpoint (the load test's shape: nothing searches while indexing).
 *
 * Runs against whatever MemoryStore the tree holds, so the same file measures before and after a change (batch=grow
 * needs the indexer's chunksPerBatch).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHUNKS_PER_BATCH, chunksPerBatch } from '../extension/engine/indexing/indexer';
import { MemoryStore, normaliseMemory } from '../extension/engine/store/memory-store';
import type { ChunkRow, FileRecord } from '../extension/engine/store/store-schema';

const ROWS = Number(process.argv[2] ?? 20_000);
const WINDOW = Number(process.argv[3] ?? 2_000);
const OUT = process.argv[4];
const SEARCH_ALONG = process.argv[5] !== '0';
const COMPACT_EVERY = Number(process.argv[6] ?? 0);
const DIM = 16 * 128; // clara-code-tiny: mem_tokens × hidden
const GROW = process.argv[7] === 'grow';
const BATCH = GROW ? CHUNKS_PER_BATCH : Number(process.argv[7] ?? 32);
const MiB = 1024 * 1024;

/** Deterministic pseudo-random memories (xorshift), so before/after runs store the same vectors. */
let seed = 0x9e3779b9;
function random(): number {
  seed ^= seed << 13; seed >>>= 0;
  seed ^= seed >>> 17;
  seed ^= seed << 5; seed >>>= 0;
  return seed / 0x100000000 - 0.5;
}
function memory(): Float32Array {
  const m = new Float32Array(DIM);
  for (let i = 0; i < DIM; i++) m[i] = random();
  return m;
}

/** RSS split into anonymous memory and mapped file pages (Linux; empty elsewhere). */
function rssParts(): Record<string, number> {
  try {
    const status = readFileSync('/proc/self/status', 'utf8');
    const kib = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? Number.NaN);
    return { rssAnonMiB: Math.round(kib('RssAnon') / 1024), rssFileMiB: Math.round(kib('RssFile') / 1024) };
  } catch {
    return {};
  }
}

function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'clara-store-growth-'));
  const { store } = await MemoryStore.open(dir, { modelVersion: 'bench', dim: DIM });
  const windows: Record<string, number>[] = [];
  let find = 0, commit = 0, batches = 0, windowStart = performance.now(), nextCheckpoint = WINDOW;
  const t = () => performance.now();
  let commits = 0;
  let windowRows = 0;
  for (let base = 0, size = BATCH; base < ROWS; base += size, size = GROW ? chunksPerBatch(base) : BATCH) {
    const chunks: ChunkRow[] = [];
    const files: FileRecord[] = [];
    for (let f = base; f < Math.min(ROWS, base + size); f++) {
      const p = `src/area_${Math.floor(f / 10_000)}/mod_${Math.floor(f / 100)}/file_${f}.py`;
      const hash = `h${f.toString(16).padStart(12, '0')}`;
      const mem = normaliseMemory(memory());
      chunks.push({ id: `id${f}`, path: p, start_line: 1, end_line: 3, symbol: `handler_${f}`, language: 'python',
        content_hash: hash, model_version: 'bench', vector: mem.vector, norm: mem.norm, lexical: `handler_${f} request value ${f}` });
      files.push({ path: p, contentHash: hash, mtimeMs: 1, size: 80, status: 'indexed', reason: null, chunks: 1 });
    }
    let t0 = t();
    await store.findMemories(chunks.map((c) => c.content_hash));
    find += t() - t0;
    t0 = t();
    await store.commit({ chunks, files, replacePaths: files.map((f) => f.path), removePaths: [] });
    commits++;
    if (COMPACT_EVERY > 0 && commits % COMPACT_EVERY === 0) await store.compact();
    commit += t() - t0;
    batches++;
    windowRows += Math.min(ROWS, base + size) - base;
    const rows = Math.min(ROWS, base + size);
    if (rows >= nextCheckpoint || rows === ROWS) {
      nextCheckpoint += WINDOW;
      const wall = t() - windowStart;
      const w: Record<string, number> = {
        rows, findMsPerBatch: Math.round((find / batches) * 10) / 10, commitMsPerBatch: Math.round((commit / batches) * 10) / 10,
        rowsPerSecond: Math.round(windowRows / (wall / 1000)), commits, rssMiB: Math.round(process.memoryUsage().rss / MiB),
        heapMiB: Math.round(process.memoryUsage().heapUsed / MiB), externalMiB: Math.round(process.memoryUsage().external / MiB),
        ...rssParts(),
      };
      windows.push(w);
      console.log(JSON.stringify(w));
      find = 0; commit = 0; batches = 0; windowRows = 0;
      if (!SEARCH_ALONG && rows < ROWS) { windowStart = t(); continue; }
      const q = memory();
      const searchMs: number[] = [];
      let ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        const s0 = t();
        ids = (await store.nearest(q, 20)).map((c) => c.id);
        searchMs.push(t() - s0);
      }
      const m0 = t();
      await store.memories(ids.slice(0, 5));
      w.searchMsFirst = Math.round(searchMs[0]);
      w.searchMsP50 = Math.round(percentile(searchMs.slice(1), 50));
      w.memoriesMs = Math.round(t() - m0);
      console.log(JSON.stringify({ rows, searchMsFirst: w.searchMsFirst, searchMsP50: w.searchMsP50, memoriesMs: w.memoriesMs }));
      windowStart = t();
    }
  }
  const c0 = t();
  await store.refreshLexicalIndex();
  await store.compact();
  console.log(JSON.stringify({ finishMs: Math.round(t() - c0), rssMiB: Math.round(process.memoryUsage().rss / MiB) }));
  store.close();
  rmSync(dir, { recursive: true, force: true });
  if (OUT) writeFileSync(OUT, `${JSON.stringify({ rows: ROWS, window: WINDOW, dim: DIM, batch: BATCH, windows }, null, 2)}\n`);
}

main().catch((err) => { console.error(err); process.exit(1); });
