/**
 * Does the memory ranking depend on the chunker? The compressor was trained on the training pipeline's chunks
 * (models/training/chunks.py: definitions cut by characters), and the product indexes its own (tree-sitter, cut at the
 * bundle's doc_max_tokens, every language it reads). This ranks, with the product's code and the shipped bundle, the
 * same questions against three sets of chunks of the same corpora, memory alone, file-level Recall@5 and MRR as
 * `clara eval` scores them (the top 50 chunks collapsed to files):
 *
 *   product, all files    the chunks an eval run cached (its memory-alone row, reproduced)
 *   product, .py only     the same, without the files that are not Python (docs, templates, other languages)
 *   training chunker      chunks.py's chunks of the .py files (models/training/experiments/dump_chunks.py), encoded here
 *
 * The first two apart say what the files the product adds cost; the last two apart, what the chunker does.
 *
 *   [CACHE=DIR] [CORPORA=requests,flask,…] [BUNDLE=DIR] TRAIN_CHUNKS=DIR node --import tsx bench/chunker-memories.ts
 *
 * Measured 29 Nov 2026 (docs/MODEL.md, "Which chunks the memories are made of").
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatDoc } from '../extension/engine/chunking/chunk-file';
import { defaultEvalCacheDir } from '../extension/engine/eval/corpora';
import { defaultEvalDataDir } from '../extension/engine/eval/eval-sets';
import { retrievalMetrics } from '../extension/engine/eval/scoring';
import { loadBundle } from '../extension/engine/model/load-bundle';
import { defaultBundleDir } from '../extension/engine/model/package-root';
import { cutQuestion } from '../extension/engine/retrieval/question-cut';
import { dot, locationQuestions, openCachedIndex, unit } from './eval-cache';

const CACHE = process.env.CACHE ?? defaultEvalCacheDir();
const EVAL = process.env.EVAL_DATA ?? defaultEvalDataDir();
const TRAIN_CHUNKS = process.env.TRAIN_CHUNKS;
const corpora = (process.env.CORPORA ?? 'requests,flask,pytest,sphinx,pylint,django').split(',');
const questions = locationQuestions(EVAL);

interface ChunkSet { paths: string[]; docs: Float32Array[]; tokens: number[] }
interface TrainingChunk { path: string; code: string }



/** The paths of the 50 best chunks for `query`, best first, as the eval ranks them before collapsing to files. */
function top50Paths(set: ChunkSet, query: Float32Array): string[] {
  const scores = set.docs.map((d) => dot(d, query));
  return [...scores.keys()].sort((a, b) => scores[b] - scores[a]).slice(0, 50).map((i) => set.paths[i]);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

async function main() {
  if (!TRAIN_CHUNKS) throw new Error('TRAIN_CHUNKS=DIR: the output of models/training/experiments/dump_chunks.py');
  const bundle = await loadBundle(process.env.BUNDLE ?? defaultBundleDir(), { executionProvider: 'cpu' });
  const { doc_template: template, doc_max_tokens: docMax, query_max_tokens: queryMax } = bundle.manifest;
  const sums: Record<string, { r5: number; mrr: number; n: number }> = {};
  const add = (row: string, m: { 'recall@5': number; mrr: number }) => {
    const s = (sums[row] ??= { r5: 0, mrr: 0, n: 0 });
    s.r5 += m['recall@5']; s.mrr += m.mrr; s.n++;
  };
  for (const corpus of corpora) {
    const store = await openCachedIndex(CACHE, corpus, bundle);
    const stored = await store.allChunks();
    const storedDocs = (await store.memories(stored.map((c) => c.id))).map(unit);
    store.close();
    const all: ChunkSet = { paths: stored.map((c) => c.path), docs: storedDocs, tokens: [] };
    const pyIdx = [...stored.keys()].filter((i) => stored[i].path.endsWith('.py'));
    const py: ChunkSet = { paths: pyIdx.map((i) => all.paths[i]), docs: pyIdx.map((i) => all.docs[i]), tokens: [] };

    const train: TrainingChunk[] = readFileSync(join(TRAIN_CHUNKS, `${corpus}.jsonl`), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as TrainingChunk);
    const texts = train.map((c) => formatDoc(template, c.path, c.code));
    const started = Date.now();
    const trained: ChunkSet = {
      paths: train.map((c) => c.path),
      docs: (await bundle.compressor.encode(texts)).map(unit),
      tokens: texts.map((t) => Math.min(docMax, bundle.tokenizer.encode(t).length)),
    };
    const mine = questions.filter((q) => q.corpus === corpus);
    const queries = (await bundle.query.encode(mine.map((q) => cutQuestion(bundle.tokenizer, q.question, queryMax)))).map(unit);
    mine.forEach((q, i) => {
      for (const [row, set] of [['product, all files', all], ['product, .py only', py], ['training chunker', trained]] as const) {
        add(`${q.set} | ${row}`, retrievalMetrics(top50Paths(set, queries[i]), q.goldFiles));
      }
    });
    console.error(`${corpus}: product ${stored.length} chunks (${pyIdx.length} in .py files), training chunker ${train.length}` +
      ` (median ${median(trained.tokens)} tokens, encoded in ${((Date.now() - started) / 1000).toFixed(0)} s), ${mine.length} questions`);
  }
  for (const [row, s] of Object.entries(sums)) {
    console.log(`${row} | n=${s.n} | R@5 ${(s.r5 / s.n).toFixed(3)} | MRR ${(s.mrr / s.n).toFixed(3)}`);
  }
  await bundle.close();
}

main().catch((e) => { console.error(e); process.exit(1); });
