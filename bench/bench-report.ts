/** The markdown page of a bench run (bench/results/bench-latest.md), from its JSON. */

interface Dist { n: number; p50: number; p95: number; mean: number }
interface Rate { batch: number; chunks: number; ms: number; chunksPerSec: number }
interface CorpusResult {
  corpus: string;
  excludes?: string[];
  bundle: { name: string; version: string; config: string; executionProvider: string };
  index: {
    seconds: number; files: number; chunks: number; sourceBytes: number; bytesOnDisk: number; bytesPerChunk: number;
    filesPerSec: number; chunksPerSec: number; sourceMBPerSec: number; firstSearchableMs: number | null; peakRssAfterIndexMB: number;
  };
  stages: { files: number; filesTotal: number; chunks: number; ms: Record<string, number>; share: Record<string, number> };
  query: {
    questions: number; searchMs: Dist; memoryOnlySearchMs: Dist; asks: number; abstained: number; askTotalMs: Dist; firstTokenMs: Dist;
    tokensPerSec: Dist; generatedTokens: Dist; generatorFirstTokenMs: Dist; generatorTokensPerSec: Dist;
    /** The generator with grounded decoding (absent in runs before it existed). */
    groundedTokensPerSec?: Dist;
  };
  encoders: { sampleChunks: number; productBatch: number; product: { batch1: Rate; batchN: Rate }; minilm: { batch1: Rate; batchN: Rate } };
  baselines: { bm25: { chunks: number; buildMs: number; bytes: number; queryMs: Dist } };
  peakRssMB: number;
}
export interface BenchResult {
  startedAt: string; finishedAt: string; quick: boolean;
  machine: Record<string, string | number>;
  bundle: { name: string; version: string; config: string; doc_max_tokens: number; mem_tokens: number; hidden: number };
  arithmetic: { flops_per_chunk: number; tokens: number; threads: number; peak_fp32_flops: number; peak_int8_ops: number };
  corpora: CorpusResult[];
}

const f = (v: number | null | undefined, d = 1) => (v === null || v === undefined || Number.isNaN(v) ? '–' : v.toFixed(d));

export function renderBenchMarkdown(r: BenchResult, plot: string): string {
  const m = r.machine;
  const a = r.arithmetic;
  const minutes = (Date.parse(r.finishedAt) - Date.parse(r.startedAt)) / 60000;
  const lines = [
    `# npm run bench — ${r.startedAt}${r.quick ? ' (quick smoke run: small samples)' : ''}`, '',
    `Machine: ${m.cpuModel}, ${m.cores} cores, ${m.ramGiB} GiB RAM, ${m.os}; node ${m.node}, onnxruntime-node ${m.onnxruntimeNode}, ` +
      `@lancedb/lancedb ${m.lancedb}, transformers.js ${m.transformersJs}, minisearch ${m.minisearch}. ` +
      'The machine is shared with other work: expect noise of up to 2×.', '',
    `Bundle: ${r.bundle.name} ${r.bundle.version} (${r.bundle.config}): doc_max_tokens ${r.bundle.doc_max_tokens}, ` +
      `L=${r.bundle.mem_tokens} memory vectors × d=${r.bundle.hidden}. Whole run: ${minutes.toFixed(1)} min.`, '',
    '## Indexing (cold, through openEngine → index)', '',
    ...r.corpora.filter((c) => c.excludes?.length).map((c) => `${c.corpus} is indexed without ${c.excludes!.join(', ')} (translations).`),
    '',
    '| corpus | files | chunks | source MB | index s | files/s | chunks/s | source MB/s | first searchable s | peak RSS MB | store MB | bytes/chunk |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...r.corpora.map((c) => `| ${c.corpus} | ${c.index.files} | ${c.index.chunks} | ${f(c.index.sourceBytes / 1e6, 2)} | ${f(c.index.seconds)} | ` +
      `${f(c.index.filesPerSec)} | ${f(c.index.chunksPerSec)} | ${f(c.index.sourceMBPerSec, 3)} | ` +
      `${c.index.firstSearchableMs === null ? '–' : f(c.index.firstSearchableMs / 1000, 2)} | ${f(c.index.peakRssAfterIndexMB, 0)} | ` +
      `${f(c.index.bytesOnDisk / 1e6, 2)} | ${f(c.index.bytesPerChunk, 0)} |`),
    '',
    '### Stage shares (stage functions called directly on an evenly spread sample of files; discovery prorated)', '',
    '| corpus | sample files | chunks | discovery | read | parse + chunk | tokenise | compress | store |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...r.corpora.map((c) => `| ${c.corpus} | ${c.stages.files}/${c.stages.filesTotal} | ${c.stages.chunks} | ` +
      ['discovery', 'read', 'parse_chunk', 'tokenise', 'compress', 'store'].map((k) => `${f(c.stages.share[k] * 100)}% (${f(c.stages.ms[k] / 1000, 2)} s)`).join(' | ') + ' |'),
    '',
    '## Query path', '',
    '| corpus | questions | search p50 ms (fused) | p95 | memory-only p50 | p95 | BM25 p50 | p95 |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...r.corpora.map((c) => `| ${c.corpus} | ${c.query.questions} | ${f(c.query.searchMs.p50)} | ${f(c.query.searchMs.p95)} | ` +
      `${f(c.query.memoryOnlySearchMs.p50)} | ${f(c.query.memoryOnlySearchMs.p95)} | ${f(c.baselines.bm25.queryMs.p50, 2)} | ` +
      `${f(c.baselines.bm25.queryMs.p95, 2)} |`),
    '',
    'ask() end to end (first token counted from the question, including retrieval; ask tokens/s = all tokens over the ' +
      'whole generation, prefill included), and the generator alone on the same retrieved memories, greedy and with ' +
      'grounded decoding (first token = prefill + first step; tokens/s over the remaining tokens):', '',
    '| corpus | asks | abstained | ask total p50 ms | ask first token p50 ms | ask tokens/s p50 | tokens p50 | generator first token p50 ms | p95 | generator tokens/s p50 | grounded tokens/s p50 |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...r.corpora.map((c) => `| ${c.corpus} | ${c.query.asks} | ${c.query.abstained} | ${f(c.query.askTotalMs.p50)} | ` +
      `${f(c.query.firstTokenMs.p50)} | ${f(c.query.tokensPerSec.p50)} | ${f(c.query.generatedTokens.p50, 0)} | ` +
      `${f(c.query.generatorFirstTokenMs.p50)} | ${f(c.query.generatorFirstTokenMs.p95)} | ${f(c.query.generatorTokensPerSec.p50)} | ` +
      `${c.query.groundedTokensPerSec ? f(c.query.groundedTokensPerSec.p50) : '–'} |`),
    '',
    '## Side by side on the same chunks', '',
    `Encoder rates on an evenly spread sample of each corpus's chunks (the product's compressor on its exact input text; ` +
      'the MiniLM-L6-shaped encoder — 6 layers, 384 wide, 12 heads, random weights, ONNX through transformers.js, mean-pooled — ' +
      `on the chunk's code). CLaRa b=N = the indexer's calls of ${r.corpora[0]?.encoders.productBatch ?? '?'} chunks (COMPRESS_BATCH), each chunk compressed in its own session run so that its memory depends on its text alone.`, '',
    '| corpus | sample | CLaRa compressor b=1 chunks/s | CLaRa b=N | MiniLM b=1 (Continue-style) | MiniLM b=N | ratio CLaRa b=N / MiniLM b=1 | ratio at b=N |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...r.corpora.map((c) => {
      const e = c.encoders;
      return `| ${c.corpus} | ${e.sampleChunks} | ${f(e.product.batch1.chunksPerSec)} | ${f(e.product.batchN.chunksPerSec)} | ` +
        `${f(e.minilm.batch1.chunksPerSec)} | ${f(e.minilm.batchN.chunksPerSec)} | ` +
        `${f(e.product.batchN.chunksPerSec / e.minilm.batch1.chunksPerSec, 2)}× | ${f(e.product.batchN.chunksPerSec / e.minilm.batchN.chunksPerSec, 2)}× |`;
    }),
    '',
    '| corpus | CLaRa index s | BM25 build s | ratio | CLaRa store MB | BM25 index MB (serialised) | ratio |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...r.corpora.map((c) => `| ${c.corpus} | ${f(c.index.seconds)} | ${f(c.baselines.bm25.buildMs / 1000, 2)} | ` +
      `${f(c.index.seconds / (c.baselines.bm25.buildMs / 1000), 0)}× | ${f(c.index.bytesOnDisk / 1e6, 2)} | ` +
      `${f(c.baselines.bm25.bytes / 1e6, 2)} | ${f(c.index.bytesOnDisk / c.baselines.bm25.bytes, 1)}× |`),
    '',
    '## Arithmetic limit', '',
    `Compressor: ${f(a.flops_per_chunk / 1e9, 3)} GFLOP per chunk at ${a.tokens} tokens (MatMul/Gemm only, shapes as run). ` +
      `Matmul peak measured now with onnxruntime (${a.threads} threads): fp32 ${f(a.peak_fp32_flops / 1e9)} GFLOP/s, ` +
      `int8 ${f(a.peak_int8_ops / 1e9)} GOP/s. Upper bound on compression at full-length chunks: ` +
      `${f(a.peak_fp32_flops / a.flops_per_chunk, 0)} chunks/s (fp32 peak) / ${f(a.peak_int8_ops / a.flops_per_chunk, 0)} chunks/s (int8 peak).`, '',
    '| corpus | CLaRa compressor b=N chunks/s | share of the fp32 bound | share of the int8 bound | whole index chunks/s |',
    '|---|---:|---:|---:|---:|',
    ...r.corpora.map((c) => `| ${c.corpus} | ${f(c.encoders.product.batchN.chunksPerSec)} | ` +
      `${f((100 * c.encoders.product.batchN.chunksPerSec) / (a.peak_fp32_flops / a.flops_per_chunk))}% | ` +
      `${f((100 * c.encoders.product.batchN.chunksPerSec) / (a.peak_int8_ops / a.flops_per_chunk))}% | ${f(c.index.chunksPerSec)} |`),
    '',
    'Real chunks are shorter than the full token budget (each is compressed at its own length), so the measured ' +
      'rate can exceed a bound computed at full length.', '',
    `## Growth`, '', `![growth](${plot})`, '',
  ];
  return lines.join('\n');
}
