/**
 * Which function should fuse the memory and lexical rankings? The product fuses by weighted reciprocal rank (RRF,
 * k 60: rank-fusion.ts), which throws the scores away. Hybrid-retrieval studies (Bruch, Gai and Ingber 2023, "An
 * Analysis of Fusion Functions for Hybrid Retrieval") found a convex combination of normalised scores ranks better
 * than RRF once its one weight is tuned, on few questions. This measures both on the very candidate lists `retrieve()`
 * fuses (pools of 200 per list), file-level MRR and Recall@5 of the top 50, as `clara eval` scores them:
 *
 *   rrf w        weighted RRF, memory weight w, lexical 1 (w = 0.2 is the shipped bundle's: the eval's fused row)
 *   convex a     a·m + (1 − a)·l, where m is the cosine and l the BM25 score, each min-max normalised over its own
 *                pool for the question; a chunk missing from the lexical pool gets l = 0 (it scored under the pool's
 *                last), one missing from the memory pool its true cosine, read from its stored memory
 *
 * The weight is chosen on the development kit (models/training/devkit, JavaScript and TypeScript libraries never
 * used for training or evaluation), then read, once, on the evaluation sets; each set is paired question by question
 * with the shipped RRF.
 *
 *   [CACHE=eval cache] [KIT_CACHE=kit cache] [BUNDLE=DIR] node --import tsx bench/fusion-functions.ts
 *
 * Measured 29 Nov 2026 (docs/ARCHITECTURE.md, "Fusing the two rankings").
 */
import { join } from 'node:path';
import { defaultEvalCacheDir } from '../extension/engine/eval/corpora';
import { defaultEvalDataDir, type EvalQuestion, loadJsonlSet } from '../extension/engine/eval/eval-sets';
import { retrievalMetrics } from '../extension/engine/eval/scoring';
import type { ModelBundle, ScoredChunk } from '../extension/engine/engine-parts';
import { loadBundle } from '../extension/engine/model/load-bundle';
import { defaultBundleDir } from '../extension/engine/model/package-root';
import { flatCosine } from '../extension/engine/retrieval/cosine';
import { reciprocalRankFusion } from '../extension/engine/retrieval/rank-fusion';
import { candidateLists } from '../extension/engine/retrieval/retrieve';
import type { MemoryStore } from '../extension/engine/store/memory-store';
import { locationQuestions, openCachedIndex } from './eval-cache';

const EVAL_CACHE = process.env.CACHE ?? defaultEvalCacheDir();
const KIT_CACHE = process.env.KIT_CACHE;
const KIT = join(__dirname, '..', 'models', 'training', 'devkit');
const DEPTH = 50;
const RRF_WEIGHTS = [0, 0.05, 0.1, 0.2, 0.3, 0.5, 1];
const CONVEX_WEIGHTS = [0, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.7];
const SHIPPED = 'rrf 0.2';

interface Scored { mrr: number; r5: number }
/** Per variant name, per question key (set/id): the question's file-level MRR and Recall@5. */
type Results = Map<string, Map<string, Scored>>;

function minMax(values: number[]): (v: number) => number {
  const lo = Math.min(...values);
  const span = Math.max(...values) - lo;
  return (v) => (span > 0 ? (v - lo) / span : 1);
}

/** Every variant's top-50 paths for one question, from the two candidate lists `retrieve()` fuses. */
async function rankings(bundle: ModelBundle, store: MemoryStore, question: string): Promise<Map<string, string[]>> {
  const { queryMemory, nearest, lexical } = await candidateLists(bundle, store, question);
  const byId = new Map<string, ScoredChunk>();
  for (const c of [...lexical, ...nearest]) byId.set(c.id, c);
  const out = new Map<string, string[]>();
  const paths = (ids: string[]) => ids.slice(0, DEPTH).map((id) => byId.get(id)!.path);
  for (const w of RRF_WEIGHTS) {
    const fused = reciprocalRankFusion([{ ids: nearest.map((c) => c.id), weight: w }, { ids: lexical.map((c) => c.id), weight: 1 }]);
    out.set(`rrf ${w}`, paths(fused.map((f) => f.id)));
  }
  const cosine = new Map(nearest.map((c) => [c.id, c.score]));
  const missing = lexical.map((c) => c.id).filter((id) => !cosine.has(id));
  const memories = missing.length > 0 ? await store.memories(missing) : [];
  missing.forEach((id, i) => cosine.set(id, flatCosine(queryMemory, memories[i])));
  const bm25 = new Map(lexical.map((c) => [c.id, c.score]));
  const m = minMax(nearest.map((c) => c.score));
  const l = minMax(lexical.map((c) => c.score));
  const ids = [...byId.keys()];
  for (const a of CONVEX_WEIGHTS) {
    const score = new Map(ids.map((id) => [id, a * m(cosine.get(id)!) + (1 - a) * (bm25.has(id) ? l(bm25.get(id)!) : 0)]));
    out.set(`convex ${a}`, paths([...ids].sort((x, y) => score.get(y)! - score.get(x)!)));
  }
  return out;
}

async function measure(bundle: ModelBundle, cache: string, questions: EvalQuestion[], results: Results): Promise<void> {
  for (const corpus of [...new Set(questions.map((q) => q.corpus))].sort()) {
    const store = await openCachedIndex(cache, corpus, bundle);
    for (const q of questions.filter((x) => x.corpus === corpus)) {
      for (const [variant, top] of await rankings(bundle, store, q.question)) {
        const s = retrievalMetrics(top, q.goldFiles);
        if (!results.has(variant)) results.set(variant, new Map());
        results.get(variant)!.set(`${q.set}/${q.id}`, { mrr: s.mrr, r5: s['recall@5'] });
      }
    }
    store.close();
  }
}

function mean(scores: Map<string, Scored>, set: string, key: keyof Scored): number {
  const xs = [...scores].filter(([k]) => k.startsWith(`${set}/`)).map(([, s]) => s[key]);
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Mean paired MRR difference of `variant` over `base` on `set`, with its standard error. */
function paired(results: Results, variant: string, base: string, set: string): string {
  const a = results.get(variant)!;
  const b = results.get(base)!;
  const d = [...a].filter(([k]) => k.startsWith(`${set}/`)).map(([k, s]) => s.mrr - b.get(k)!.mrr);
  const m = d.reduce((x, y) => x + y, 0) / d.length;
  const se = Math.sqrt(d.reduce((x, y) => x + (y - m) ** 2, 0) / (d.length - 1) / d.length);
  return `${m >= 0 ? '+' : ''}${m.toFixed(3)} ± ${se.toFixed(3)} (better ${d.filter((x) => x > 0).length}, worse ${d.filter((x) => x < 0).length})`;
}

async function main() {
  if (!KIT_CACHE) throw new Error('KIT_CACHE=DIR: the cache of `clara eval --data models/training/devkit` with this bundle');
  const bundle = await loadBundle(process.env.BUNDLE ?? defaultBundleDir(), { executionProvider: 'cpu' });
  const evalData = process.env.EVAL_DATA ?? defaultEvalDataDir();
  const kitQuestions = loadJsonlSet(join(KIT, 'changelog_loc.jsonl'), 'changelog_loc');
  const evalCorpora = (process.env.CORPORA ?? 'requests,flask,pytest,sphinx,pylint,django').split(',');
  const evalQuestions = locationQuestions(evalData).filter((q) => evalCorpora.includes(q.corpus));
  const results: Results = new Map();
  await measure(bundle, KIT_CACHE, kitQuestions, results);
  const best = (family: string) => [...results.keys()].filter((v) => v.startsWith(family))
    .sort((x, y) => mean(results.get(y)!, 'changelog_loc', 'mrr') - mean(results.get(x)!, 'changelog_loc', 'mrr'))[0];
  const chosen = [best('rrf '), best('convex ')];
  console.log(`chosen on the kit (${kitQuestions.length} questions, best MRR of each family): ${chosen.join(', ')}`);
  await measure(bundle, EVAL_CACHE, evalQuestions, results);
  const sets = ['changelog_loc', 'sweqa', 'swebench_lite_loc'];
  console.log(`| variant | ${sets.map((s) => `${s} MRR / R@5`).join(' | ')} |`);
  console.log(`|---|${sets.map(() => '---').join('|')}|`);
  for (const [variant, scores] of results) {
    const mark = chosen.includes(variant) ? ' (kit choice)' : variant === SHIPPED ? ' (shipped)' : '';
    console.log(`| ${variant}${mark} | ${sets.map((s) => `${mean(scores, s, 'mrr').toFixed(3)} / ${mean(scores, s, 'r5').toFixed(3)}`).join(' | ')} |`);
  }
  for (const v of new Set([...chosen, 'convex 0.2', 'convex 0.3'])) {
    if (v === SHIPPED) continue;
    console.log(`${v} against ${SHIPPED}, paired MRR: ${sets.map((s) => `${s} ${paired(results, v, SHIPPED, s)}`).join('; ')}`);
  }
  await bundle.close();
}

main().catch((e) => { console.error(e); process.exit(1); });
