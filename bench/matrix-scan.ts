/**
 * Search's memory scan on real indexes: the int8 scan with exact re-scoring (`MemoryMatrix.nearest`), its dot
 * products in WebAssembly SIMD (the product's) and in JavaScript (the fallback, and the scan before the kernel),
 * against the full fp16 scan (`nearestByFullScan`), per question, in rotating order so that all three see the same
 * machine load. The matrix holds every row of the given stores (LanceDB folders that `clara eval
 * --cache` or the extension built with the bundle); the questions are the evaluation sets' questions about those
 * corpora, encoded with the bundle's query reasoner. Every result pair is compared (ids, order and scores); a
 * difference is reported and fails the run.
 *
 * usage: node --import tsx bench/matrix-scan.ts --bundle DIR --store DIR [--store DIR ...] [--k 20] [--questions 200]
 *        [--out FILE.json]
 */
import { basename, join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import * as lancedb from '@lancedb/lancedb';
import { defaultEvalDataDir, loadJsonlSet } from '../extension/engine/eval/eval-sets';
import { loadBundle } from '../extension/engine/model/load-bundle';
import { MemoryMatrix } from '../extension/engine/store/memory-matrix';
import { readMemoryMatrix } from '../extension/engine/store/memory-store';
import { CHUNKS_TABLE } from '../extension/engine/store/store-schema';
import { percentile } from './stats';

function args(name: string): string[] {
  return process.argv.flatMap((a, i) => (a === `--${name}` && process.argv[i + 1] ? [process.argv[i + 1]] : []));
}

async function main(): Promise<void> {
  const [bundleDir] = args('bundle');
  const stores = args('store');
  if (!bundleDir || stores.length === 0) throw new Error('usage: matrix-scan.ts --bundle DIR --store DIR [--store DIR ...]');
  const k = Number(args('k')[0] ?? 20);
  const wanted = Number(args('questions')[0] ?? 200);
  const bundle = await loadBundle(bundleDir, { executionProvider: 'cpu' });
  const dim = bundle.manifest.mem_tokens * bundle.manifest.hidden;
  const matrix = new MemoryMatrix(dim, 1024, 'wasm-simd');
  const jsMatrix = new MemoryMatrix(dim, 1024, 'js');
  const t0 = performance.now();
  for (const dir of stores) {
    const db = await lancedb.connect(join(dir, 'lance'));
    const table = await db.openTable(CHUNKS_TABLE);
    await readMemoryMatrix(table, dim, matrix);
    await readMemoryMatrix(table, dim, jsMatrix);
    db.close();
  }
  const loadMs = performance.now() - t0;
  const corpora = new Set(stores.map((s) => basename(s)));
  const data = defaultEvalDataDir();
  const texts = [...loadJsonlSet(join(data, 'sweqa.jsonl'), 'sweqa'), ...loadJsonlSet(join(data, 'swebench_lite_loc.jsonl'), 'swebench_lite_loc')]
    .filter((q) => corpora.has(q.corpus)).map((q) => q.question).slice(0, wanted);
  if (texts.length === 0) throw new Error(`no evaluation questions about ${[...corpora].join(', ')}`);
  const queries: Float32Array[] = [];
  for (const t of texts) queries.push(...(await bundle.query.encode([t])));
  await bundle.close();

  const scans = [
    { name: 'int8 WebAssembly SIMD', run: (q: Float32Array) => matrix.nearest(q, k), ms: [] as number[] },
    { name: 'int8 JavaScript', run: (q: Float32Array) => jsMatrix.nearest(q, k), ms: [] as number[] },
    { name: 'full fp16', run: (q: Float32Array) => matrix.nearestByFullScan(q, k), ms: [] as number[] },
  ];
  let differences = 0;
  const rescored: number[] = [];
  for (let i = 0; i < queries.length + 3; i++) {
    const q = queries[i % queries.length];
    const results: string[] = [];
    for (let j = 0; j < scans.length; j++) {
      const scan = scans[(i + j) % scans.length];
      const start = performance.now();
      const r = scan.run(q);
      if (i >= 3) scan.ms.push(performance.now() - start); // the first 3 warm up
      results[(i + j) % scans.length] = JSON.stringify(r);
    }
    if (results.some((r) => r !== results[2])) differences++;
    if (i >= 3) rescored.push(matrix.lastRescored);
  }
  const [wasmMs, jsMs, fullMs] = scans.map((s) => s.ms);
  const p = (xs: number[], q: number) => Number(percentile(xs, q).toFixed(2));
  const result = {
    date: new Date().toISOString(), machine: `${cpus()[0]?.model ?? '?'} x ${cpus().length} cores`, node: process.version, bundle: bundle.manifest.version, stores: [...corpora], rows: matrix.size, dim, k,
    questions: queries.length, loadMs: Math.round(loadMs),
    matrixMiB: { fp16: Number(((matrix.size * dim * 2) / 2 ** 20).toFixed(1)), int8: Number(((matrix.size * dim) / 2 ** 20).toFixed(1)) },
    kernel: matrix.kernel,
    fullScanMs: { p50: p(fullMs, 50), p90: p(fullMs, 90) },
    int8JsScanMs: { p50: p(jsMs, 50), p90: p(jsMs, 90) },
    int8WasmScanMs: { p50: p(wasmMs, 50), p90: p(wasmMs, 90) },
    rowsRescored: { p50: percentile(rescored, 50), p90: percentile(rescored, 90), max: Math.max(...rescored) },
    speedupP50VsFull: Number((percentile(fullMs, 50) / percentile(wasmMs, 50)).toFixed(2)),
    speedupP50VsJs: Number((percentile(jsMs, 50) / percentile(wasmMs, 50)).toFixed(2)),
    resultsDiffering: differences,
  };
  console.log(JSON.stringify(result, null, 2));
  const out = args('out')[0];
  if (out) writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  if (differences > 0) process.exit(1);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
