/**
 * One corpus of `npm run bench`, in its own process so that its peak RSS is its own: a cold index through the
 * product (openEngine → index), time to first searchable result, store size, query latency, time to first answer
 * token and tokens/s, stage shares, and on the same chunks the baselines: BM25 (MiniSearch) build and query, and
 * the MiniLM-L6-shaped encoder through transformers.js at batch 1 and at the product's batch size next to the
 * product's own compressor on the same texts.
 *
 * usage: node --import tsx bench/bench-corpus.ts '<json BenchCorpusArgs>'   (prints one JSON object on stdout)
 */
import { rmSync } from 'node:fs';
import { GroundedSpanRule } from '../extension/engine/answer/grounded-spans';
import { openEngine } from '../extension/engine/clara-engine';
import { formatDoc } from '../extension/engine/chunking/chunk-file';
import { Bm25Index } from '../extension/engine/eval/bm25-baseline';
import { ChunkTextReader } from '../extension/engine/chunking/chunk-text-reader';
import { materialiseCorpus } from '../extension/engine/eval/corpora';
import { loadEvalSet } from '../extension/engine/eval/eval-sets';
import { COMPRESS_BATCH } from '../extension/engine/indexing/chunk-rows';
import { retrieve } from '../extension/engine/retrieval/retrieve';
import { MiniLmBaseline, type EncoderRate } from './minilm-baseline';
import { measureStages } from './stage-timings';
import { percentile } from './stats';

export interface BenchCorpusArgs {
  corpus: string;
  dataDir: string;
  cacheDir: string;
  storeDir: string;
  bundleDir?: string;
  minilmDir: string;
  /** Questions timed for search latency. */
  queries: number;
  /** Questions run through ask for first-token time and tokens/s. */
  asks: number;
  /** Chunks in the encoder comparison sample. */
  sample: number;
  /** Files in the stage breakdown. */
  stageFiles: number;
  /** Extra gitignore-style excludes (EngineOptions.extraExcludes), e.g. a corpus's translations. */
  excludes: string[];
}

const dist = (v: number[]) => ({ n: v.length, p50: percentile(v, 50), p95: percentile(v, 95), mean: v.reduce((a, b) => a + b, 0) / Math.max(1, v.length) });

async function productRate(encode: (texts: string[]) => Promise<Float32Array[]>, texts: string[], batch: number): Promise<EncoderRate> {
  await encode(texts.slice(0, batch));
  const t0 = performance.now();
  for (let i = 0; i < texts.length; i += batch) await encode(texts.slice(i, i + batch));
  const ms = performance.now() - t0;
  return { batch, chunks: texts.length, ms, chunksPerSec: (texts.length / ms) * 1000 };
}

async function main(): Promise<void> {
  const a = JSON.parse(process.argv[2]) as BenchCorpusArgs;
  const root = await materialiseCorpus(a.dataDir, a.cacheDir, a.corpus);
  rmSync(a.storeDir, { recursive: true, force: true }); // a cold index every time

  const tOpen = performance.now();
  const engine = await openEngine({
    root, storeDir: a.storeDir, bundleDir: a.bundleDir, executionProvider: 'cpu', lexicalFusion: true, extraExcludes: a.excludes,
  });
  const openMs = performance.now() - tOpen;
  try {
    // Time to first searchable result: from index start until a search returns a hit, tried after each commit.
    let firstSearchableMs: number | null = null;
    let probing = false;
    const t0 = performance.now();
    const index = await engine.index({
      onProgress: (p) => {
        if (firstSearchableMs !== null || probing || p.chunksDone === 0) return;
        probing = true;
        void engine.search('def', 1).then((hits) => {
          if (hits.length > 0 && firstSearchableMs === null) firstSearchableMs = performance.now() - t0;
        }).finally(() => { probing = false; });
      },
    });
    const indexMs = performance.now() - t0;
    const peakRssAfterIndexMB = process.resourceUsage().maxRSS / 1024;
    const st = await engine.state();
    const records = await engine.store.fileRecords();
    const sourceBytes = [...records.values()].filter((r) => r.status === 'indexed').reduce((s, r) => s + r.size, 0);

    // Query path on the corpus's own eval questions.
    const questions = [...loadEvalSet(a.dataDir, 'sweqa'), ...loadEvalSet(a.dataDir, 'swebench_lite_loc')]
      .filter((q) => q.corpus === a.corpus).map((q) => q.question);
    const qs = questions.slice(0, a.queries);
    const searchMs: number[] = [];
    const memoryMs: number[] = [];
    for (const q of qs) {
      let t = performance.now();
      await engine.search(q, 10);
      searchMs.push(performance.now() - t);
      t = performance.now();
      await retrieve(engine.bundle, engine.store, q, { topK: 10, lexicalFusion: false });
      memoryMs.push(performance.now() - t);
    }
    const firstTokenMs: number[] = [];
    const tokensPerSec: number[] = [];
    const generated: number[] = [];
    const askTotalMs: number[] = [];
    let abstained = 0;
    // The generator alone on the same retrieved memories: ask() skips generation when it abstains, and an untrained
    // bundle may abstain on every question, so decoding speed is also measured directly.
    const genFirstMs: number[] = [];
    const genTokensPerSec: number[] = [];
    const groundedTokensPerSec: number[] = [];
    for (const q of qs.slice(0, a.asks)) {
      const r = await engine.ask(q);
      askTotalMs.push(r.timings.totalMs);
      if (r.abstained) abstained++;
      if (r.timings.tokens > 0) firstTokenMs.push(r.timings.firstTokenMs);
      generated.push(r.timings.tokens);
      if (r.timings.tokens > 1 && r.timings.generationMs > 0) tokensPerSec.push((r.timings.tokens / r.timings.generationMs) * 1000);
      const mems = await engine.store.memories(r.retrieved.map((h) => h.chunkId));
      const t = performance.now();
      let first: number | null = null;
      const g = await engine.bundle.generator.generate(mems, q, { onToken: () => { first ??= performance.now() - t; } });
      const total = performance.now() - t;
      if (first !== null) genFirstMs.push(first);
      if (g.tokens > 1 && first !== null && total > first) genTokensPerSec.push(((g.tokens - 1) / (total - first)) * 1000);
      // The same with the product's grounded decoding (answer/grounded-spans.ts) over the same blocks' text.
      const given = r.retrieved.slice(0, engine.bundle.manifest.generator.max_blocks);
      const texts = new ChunkTextReader(root);
      const rule = GroundedSpanRule.forBlocks(engine.bundle.tokenizer, given, (h) => texts.read(h), engine.bundle.manifest.eos_id);
      const tg = performance.now();
      let firstG: number | null = null;
      const gg = await engine.bundle.generator.generate(await engine.store.memories(given.map((h) => h.chunkId)), q, {
        rule, onToken: () => { firstG ??= performance.now() - tg; },
      });
      const totalG = performance.now() - tg;
      if (gg.tokens > 1 && firstG !== null && totalG > firstG) groundedTokensPerSec.push(((gg.tokens - 1) / (totalG - firstG)) * 1000);
    }

    // Baselines on the same chunks.
    const chunks = await engine.store.allChunks();
    const bm25 = Bm25Index.build(root, chunks);
    const bmMs = qs.map((q) => { const t = performance.now(); bm25.query(q, 10); return performance.now() - t; });
    const reader = new ChunkTextReader(root);
    const stride = Math.max(1, Math.floor(chunks.length / a.sample));
    const sample = chunks.filter((_, i) => i % stride === 0).slice(0, a.sample);
    const code = sample.map((c) => reader.read(c));
    const docs = sample.map((c, i) => formatDoc(engine.bundle.manifest.doc_template, c.path, code[i]));
    const encode = (t: string[]) => engine.bundle.compressor.encode(t);
    const product = { batch1: await productRate(encode, docs, 1), batchN: await productRate(encode, docs, COMPRESS_BATCH) };
    const minilmModel = await MiniLmBaseline.load(a.minilmDir);
    const minilm = { batch1: await minilmModel.rate(code, 1), batchN: await minilmModel.rate(code, COMPRESS_BATCH) };

    const stages = await measureStages(root, engine.bundle, a.stageFiles, a.excludes);

    const out = {
      corpus: a.corpus,
      root,
      excludes: a.excludes,
      bundle: st.model,
      index: {
        seconds: indexMs / 1000, openMs, files: st.files, chunks: st.chunks, memoryTokens: st.memoryTokens,
        sourceBytes, bytesOnDisk: st.bytesOnDisk, bytesPerChunk: st.bytesOnDisk / Math.max(1, st.chunks),
        filesPerSec: st.files / (indexMs / 1000), chunksPerSec: st.chunks / (indexMs / 1000),
        sourceMBPerSec: sourceBytes / 1e6 / (indexMs / 1000), firstSearchableMs, peakRssAfterIndexMB,
        summary: index,
      },
      stages,
      query: {
        questions: qs.length, searchMs: dist(searchMs), memoryOnlySearchMs: dist(memoryMs),
        asks: askTotalMs.length, abstained, askTotalMs: dist(askTotalMs), firstTokenMs: dist(firstTokenMs), tokensPerSec: dist(tokensPerSec),
        generatedTokens: dist(generated), generatorFirstTokenMs: dist(genFirstMs), generatorTokensPerSec: dist(genTokensPerSec),
        groundedTokensPerSec: dist(groundedTokensPerSec),
      },
      encoders: { sampleChunks: sample.length, productBatch: COMPRESS_BATCH, product, minilm },
      baselines: {
        bm25: { chunks: bm25.size, buildMs: bm25.buildMs, bytes: bm25.serialisedBytes(), queryMs: dist(bmMs) },
        minilm,
      },
      peakRssMB: process.resourceUsage().maxRSS / 1024,
    };
    process.stdout.write(`${JSON.stringify(out)}\n`);
  } finally {
    await engine.close();
  }
}

main().then(() => process.exit(0), (err) => {
  process.stderr.write(`bench-corpus: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
