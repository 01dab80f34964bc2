/**
 * Measures how much a bundle's memory ranking should count against the store's lexical ranking, on the training run's
 * own held-out questions (never on ../shared/eval): the run's chunks are written back to files at their original
 * lines, indexed by the product's indexer into a real store, and every held-out question is ranked by memory and by
 * the lexical index exactly as retrieve() ranks them for fusion (candidateLists: pools of FUSION_POOL); weighted
 * reciprocal-rank fusion of the two lists is then scored by MRR over the whole fused list for each memory weight on a
 * grid (lexical weight 1), and the weight with the best MRR is chosen. The result goes into the bundle's manifest (`retrieval.fusion`).
 */
import type { FusionWeights } from '../model/bundle-manifest';
import { reciprocalRankFusion } from '../retrieval/rank-fusion';
import { candidateLists } from '../retrieval/retrieve';
import { indexRunWorkspace, readRunFiles, runFilePaths, sourceChunks, tenthsLogger } from './training-run-files';

/** Memory weights tried (lexical weight 1); Infinity stands for "memory alone". */
export const MEMORY_WEIGHT_GRID = [0, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1, 1.5, 2, 3, 5, Infinity];

interface Span { path: string; startLine: number; endLine: number }

export interface WeightScore {
  memoryWeight: number;
  mrr: number;
  recallAt5: number;
}

export interface FusionCalibration {
  weights: FusionWeights;
  questions: number;
  chunksIndexed: number;
  files: number;
  scores: WeightScore[];
  /** The same questions with the lexical list alone, for the record. */
  lexicalAlone: { mrr: number; recallAt5: number };
}

function firstHit(ranked: Span[], gold: Span[]): number {
  const i = ranked.findIndex((r) => gold.some((g) => g.path === r.path && r.startLine <= g.endLine && g.startLine <= r.endLine));
  return i < 0 ? 0 : i + 1;
}

function summarise(ranks: number[]): { mrr: number; recallAt5: number } {
  const n = Math.max(1, ranks.length);
  return {
    mrr: ranks.reduce((s, r) => s + (r > 0 ? 1 / r : 0), 0) / n,
    recallAt5: ranks.filter((r) => r > 0 && r <= 5).length / n,
  };
}

/** The weight with the best MRR; among equal MRRs, the one nearest equal weights (1) on a log scale. */
export function chooseWeight(scores: WeightScore[]): number {
  const distance = (w: number) => (w === 0 ? Infinity : Math.abs(Math.log(w)));
  return [...scores].sort((a, b) => b.mrr - a.mrr || distance(a.memoryWeight) - distance(b.memoryWeight))[0].memoryWeight;
}

export async function calibrateFusion(options: {
  bundleDir: string;
  runDir: string;
  workDir: string;
  /** At most this many held-out questions, spread evenly over the file (default all). */
  limit?: number;
  log: (message: string) => void;
}): Promise<FusionCalibration> {
  const { chunks, samples } = readRunFiles(options.runDir, options.limit);
  const byId = new Map(chunks.map((c) => [c.id, c]));
  const fileOf = runFilePaths(chunks);
  const { engine, files } = await indexRunWorkspace({ ...options, chunks });
  try {
    const { bundle, store } = engine;
    const chunksIndexed = (await store.counts()).chunks;
    const lists: Array<{ memory: string[]; lexical: string[]; gold: Span[] }> = [];
    const spans = new Map<string, Span>();
    const tick = tenthsLogger(samples.length, 'ranked questions', options.log);
    for (const [i, s] of samples.entries()) {
      tick(i + 1);
      const gold = sourceChunks(s, byId).map((c) => ({ path: fileOf(c), startLine: c.start_line, endLine: c.end_line }));
      if (gold.length === 0) continue;
      // The very lists the product fuses: same question cut, same pools.
      const { nearest, lexical } = await candidateLists(bundle, store, s.question);
      for (const h of [...nearest, ...lexical]) spans.set(h.id, h);
      lists.push({ memory: nearest.map((m) => m.id), lexical: lexical.map((l) => l.id), gold });
    }
    const rank = (ids: string[], gold: Span[]) => firstHit(ids.map((id) => spans.get(id)!), gold);
    const scores = MEMORY_WEIGHT_GRID.map((w) => {
      const ranks = lists.map((l) => {
        const fused = Number.isFinite(w)
          ? reciprocalRankFusion([{ ids: l.memory, weight: w }, { ids: l.lexical, weight: 1 }]).map((f) => f.id)
          : l.memory;
        return rank(fused, l.gold);
      });
      return { memoryWeight: w, ...summarise(ranks) };
    });
    const best = chooseWeight(scores);
    return {
      weights: Number.isFinite(best) ? { memory_weight: best, lexical_weight: 1 } : { memory_weight: 1, lexical_weight: 0 },
      questions: lists.length, chunksIndexed, files, scores,
      lexicalAlone: summarise(lists.map((l) => rank(l.lexical, l.gold))),
    };
  } finally {
    await engine.close();
  }
}
