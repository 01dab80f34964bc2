/**
 * Can re-scoring the stored memories lift the memory ranking, without training? Two classic tricks.
 *
 * Centring: does subtracting the mean help the memory ranking? A small model trained from scratch may put every memory in a
 * narrow cone, where subtracting the mean before the cosine spreads them out. This re-ranks `clara eval`'s
 * memory-alone row from the indexes an eval run cached: every chunk's stored (unit) memory against each question's
 * query memory (cut to query_max_tokens, as `search` cuts it), the top 50 chunks, file-level Recall@5 and MRR as the
 * eval scores them. Variants: the documents' mean (per corpus) subtracted from the documents with weight w, and from
 * the query either nothing, the same mean, or the mean of the questions' own query memories (which a product could
 * only estimate from other questions). w = 0 is the eval's own row and must reproduce it.
 *
 * Pseudo-relevance feedback: the question's memory moved toward the mean of its own top m memories (weight beta),
 * then the ranking again. m = 0 is the eval's row.
 *
 *   [CACHE=DIR] [CORPORA=requests,flask,…] [BUNDLE=DIR] node --import tsx bench/memory-rescoring.ts
 *
 * Measured 29 Nov 2026 (docs/MODEL.md, "Re-scoring the memories"); not used by the product.
 */
import { defaultBundleDir } from '../extension/engine/model/package-root';
import { dot, locationQuestions, openCachedIndex, unit } from './eval-cache';
import { loadBundle } from '../extension/engine/model/load-bundle';
import { defaultEvalCacheDir } from '../extension/engine/eval/corpora';
import { defaultEvalDataDir } from '../extension/engine/eval/eval-sets';
import { retrievalMetrics } from '../extension/engine/eval/scoring';
import { cutQuestion } from '../extension/engine/retrieval/question-cut';

const CACHE = process.env.CACHE ?? defaultEvalCacheDir();
const EVAL = process.env.EVAL_DATA ?? defaultEvalDataDir();
const corpora = (process.env.CORPORA ?? 'requests,flask,pytest,sphinx,pylint,django').split(',');
const qs = locationQuestions(EVAL);
const sub = (a: Float32Array, m: Float32Array, w = 1) => a.map((x, i) => x - w * m[i]);
function mean(rows: Float32Array[]): Float32Array { const m = new Float32Array(rows[0].length); for (const r of rows) for (let i = 0; i < m.length; i++) m[i] += r[i] / rows.length; return m; }

/** Best first: the indices of the `k` largest scores. */
const topIndices = (scores: number[], k: number) => [...scores.keys()].sort((a, b) => scores[b] - scores[a]).slice(0, k);

interface Question { set: string; corpus: string; q: Float32Array; gold: string[] }
interface Corpus { paths: string[]; docs: Float32Array[]; mu: Float32Array }

/** One variant's file-level Recall@5 and MRR per set, from every chunk's score for each question, printed as a line. */
function report(name: string, questions: Question[], corpora: Record<string, Corpus>, scoresOf: (x: Question) => number[]): void {
  const sums: Record<string, { r5: number; mrr: number; n: number }> = {};
  for (const x of questions) {
    const m = retrievalMetrics(topIndices(scoresOf(x), 50).map((i) => corpora[x.corpus].paths[i]), x.gold);
    const s = (sums[x.set] ??= { r5: 0, mrr: 0, n: 0 });
    s.r5 += m['recall@5']; s.mrr += m.mrr; s.n++;
  }
  console.log(name, Object.entries(sums).map(([k, s]) => `${k} n=${s.n} R@5 ${(s.r5 / s.n).toFixed(3)} MRR ${(s.mrr / s.n).toFixed(3)}`).join(' | '));
}

async function main() {
  const bundle = await loadBundle(process.env.BUNDLE ?? defaultBundleDir(), { executionProvider: 'cpu' });
  const allQ: Question[] = [];
  const perCorpus: Record<string, Corpus> = {};
  for (const corpus of corpora) {
    const store = await openCachedIndex(CACHE, corpus, bundle);
    const chunks = await store.allChunks();
    const docs = (await store.memories(chunks.map((c) => c.id))).map(unit);
    store.close();
    perCorpus[corpus] = { paths: chunks.map((c) => c.path), docs, mu: mean(docs) };
    const mine = qs.filter((q) => q.corpus === corpus);
    const enc = await bundle.query.encode(mine.map((q) => cutQuestion(bundle.tokenizer, q.question, bundle.manifest.query_max_tokens)));
    mine.forEach((q, i) => allQ.push({ set: q.set, corpus, q: unit(enc[i]), gold: q.goldFiles }));
    console.error(corpus, chunks.length, 'chunks', mine.length, 'questions', 'mean-norm', Math.sqrt(dot(perCorpus[corpus].mu, perCorpus[corpus].mu)).toFixed(3));
  }
  const qMean = mean(allQ.map((x) => x.q));
  console.error('query mean norm', Math.sqrt(dot(qMean, qMean)).toFixed(3));
  for (const w of [0, 0.5, 1]) for (const qc of ['none', 'docmean', 'qmean']) {
    if (w === 0 && qc !== 'none') continue;
    const centred: Record<string, Float32Array[]> = {};
    for (const c of corpora) centred[c] = perCorpus[c].docs.map((d) => unit(sub(d, perCorpus[c].mu, w)));
    report(`docs-${w} query-${qc}`, allQ, perCorpus, (x) => {
      const q = qc === 'none' ? x.q : unit(sub(x.q, qc === 'docmean' ? perCorpus[x.corpus].mu : qMean, w));
      return centred[x.corpus].map((d) => dot(q, d));
    });
  }
  for (const [m, beta] of [[0, 0], [3, 0.5], [3, 1], [5, 0.5], [5, 1], [10, 0.5], [10, 1]] as const) {
    report(`prf m=${m} beta=${beta}`, allQ, perCorpus, (x) => {
      const docs = perCorpus[x.corpus].docs;
      const scores = docs.map((d) => dot(x.q, d));
      if (m === 0) return scores;
      const top = topIndices(scores, m);
      const q2 = unit(x.q.map((v, i) => v + beta * top.reduce((acc, t) => acc + docs[t][i], 0) / m));
      return docs.map((d) => dot(q2, d));
    });
  }
  const { mem_tokens: slots, hidden } = bundle.manifest;
  const perSlot = (v: Float32Array) => Array.from({ length: slots }, (_, s) => unit(v.subarray(s * hidden, (s + 1) * hidden)));
  const slotted: Record<string, Float32Array[][]> = {};
  for (const c of corpora) slotted[c] = perCorpus[c].docs.map(perSlot);
  report('slots: mean slot cosine', allQ, perCorpus, (x) => {
    const q = perSlot(x.q);
    return slotted[x.corpus].map((d) => q.reduce((acc, qs, s) => acc + dot(qs, d[s]), 0) / slots);
  });
  report('slots: MaxSim', allQ, perCorpus, (x) => {
    const q = perSlot(x.q);
    return slotted[x.corpus].map((d) => q.reduce((acc, qs) => acc + Math.max(...d.map((ds) => dot(qs, ds))), 0));
  });
  await bundle.close();
}
void main();
