/**
 * Can the memory side read more of a long question? The query encoder reads the first query_max_tokens (64) tokens,
 * the length it was trained on; SWE-bench Lite's issue reports run to a median of 368, and the names that locate the
 * code (a traceback's functions, a setting) often come later. Averaging the memories of every 64-token window was
 * tried before and lost (docs/ARCHITECTURE.md, "Ranking"). This scores every chunk against each 64-token window of
 * the question's first 512 tokens, encoded separately, and combines the cosines per chunk:
 *
 *   first         the first window alone (the product; the eval's memory-alone row)
 *   max           the best window's cosine
 *   mean          the windows' mean cosine
 *   first+max     half the first window's, half the best window's
 *
 * file-level MRR and Recall@5 of the top 50 chunks, over an eval run's cached indexes; each variant paired with
 * `first` question by question.
 *
 *   [CACHE=DIR] [CORPORA=requests,flask,…] [BUNDLE=DIR] node --import tsx bench/question-windows.ts
 *
 * Measured 29 Nov 2026 on the evaluation sets themselves (docs/ARCHITECTURE.md, "Ranking"); the development kit's
 * questions are too short to choose by, so nothing here is used by the product.
 */
import { defaultEvalCacheDir } from '../extension/engine/eval/corpora';
import { defaultEvalDataDir } from '../extension/engine/eval/eval-sets';
import { retrievalMetrics } from '../extension/engine/eval/scoring';
import { loadBundle } from '../extension/engine/model/load-bundle';
import { defaultBundleDir } from '../extension/engine/model/package-root';
import { LEXICAL_QUESTION_WINDOWS } from '../extension/engine/retrieval/question-cut';
import { dot, locationQuestions, openCachedIndex, unit } from './eval-cache';

const CACHE = process.env.CACHE ?? defaultEvalCacheDir();
const EVAL = process.env.EVAL_DATA ?? defaultEvalDataDir();
const corpora = (process.env.CORPORA ?? 'requests,flask,pytest,sphinx,pylint,django').split(',');
const questions = locationQuestions(EVAL);

const COMBINE: Record<string, (cosines: number[]) => number> = {
  first: (c) => c[0],
  max: (c) => Math.max(...c),
  mean: (c) => c.reduce((a, b) => a + b, 0) / c.length,
  'first+max': (c) => 0.5 * c[0] + 0.5 * Math.max(...c),
};

async function main() {
  const bundle = await loadBundle(process.env.BUNDLE ?? defaultBundleDir(), { executionProvider: 'cpu' });
  const window = bundle.manifest.query_max_tokens;
  // Per variant, per "set/id": the question's MRR and Recall@5.
  const got: Record<string, Map<string, { mrr: number; r5: number }>> = {};
  const windowsPerSet: Record<string, number[]> = {};
  for (const corpus of corpora) {
    const store = await openCachedIndex(CACHE, corpus, bundle);
    const chunks = await store.allChunks();
    const docs = (await store.memories(chunks.map((c) => c.id))).map(unit);
    store.close();
    for (const q of questions.filter((x) => x.corpus === corpus)) {
      const ids = bundle.tokenizer.encode(q.question.slice(0, window * LEXICAL_QUESTION_WINDOWS * 128)).slice(0, window * LEXICAL_QUESTION_WINDOWS);
      const texts: string[] = [];
      // A cut inside a multi-byte character decodes to U+FFFD at a window's edge; drop it.
      for (let i = 0; i < ids.length; i += window) texts.push(bundle.tokenizer.decode(ids.slice(i, i + window)).replace(/^\uFFFD+|\uFFFD+$/g, ''));
      (windowsPerSet[q.set] ??= []).push(texts.length);
      const perWindow = (await bundle.query.encode(texts)).map(unit).map((w) => docs.map((d) => dot(w, d)));
      for (const [name, combine] of Object.entries(COMBINE)) {
        const score = docs.map((_, j) => combine(perWindow.map((p) => p[j])));
        const top = [...score.keys()].sort((a, b) => score[b] - score[a]).slice(0, 50).map((i) => chunks[i].path);
        const m = retrievalMetrics(top, q.goldFiles);
        (got[name] ??= new Map()).set(`${q.set}/${q.id}`, { mrr: m.mrr, r5: m['recall@5'] });
      }
    }
  }
  for (const [set, counts] of Object.entries(windowsPerSet)) {
    console.log(`${set}: ${counts.length} questions, ${counts.filter((c) => c > 1).length} longer than one window`);
  }
  for (const [name, scores] of Object.entries(got)) {
    for (const set of Object.keys(windowsPerSet)) {
      const rows = [...scores].filter(([k]) => k.startsWith(`${set}/`));
      const d = rows.map(([k, s]) => s.mrr - got.first.get(k)!.mrr);
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      const md = mean(d);
      const se = Math.sqrt(d.reduce((a, x) => a + (x - md) ** 2, 0) / (d.length - 1) / d.length);
      console.log(`${name} | ${set} | MRR ${mean(rows.map(([, s]) => s.mrr)).toFixed(3)} | R@5 ${mean(rows.map(([, s]) => s.r5)).toFixed(3)}` +
        ` | paired MRR vs first ${md >= 0 ? '+' : ''}${md.toFixed(3)} ± ${se.toFixed(3)}`);
    }
  }
  await bundle.close();
}

main().catch((e) => { console.error(e); process.exit(1); });
