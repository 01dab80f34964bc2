/**
 * The fused ranking at every memory weight of the calibration grid (fusion-calibration.ts), scored on one question's
 * gold files: what `clara eval --fusion-grid` records per question and reports per set, and what
 * `npm run calibrate -- --fusion-from-eval` chooses the bundle's weights from. So the weights can be measured on real
 * questions (the development kit, models/training/devkit) instead of the training run's synthesized ones, which
 * favour a query reasoner trained on questions of their own kind.
 *
 * Each question is ranked once, with the very candidate lists `retrieve()` fuses; every weight then fuses the same two
 * lists, so the point at the manifest's weights is the eval's "fused" row.
 */
import type { MemoryReader, ModelBundle, ScoredChunk } from '../engine-parts';
import { reciprocalRankFusion } from '../retrieval/rank-fusion';
import { candidateLists } from '../retrieval/retrieve';
import type { EvalQuestion } from './eval-sets';
import { chooseWeight, MEMORY_WEIGHT_GRID, type WeightScore } from './fusion-calibration';
import { retrievalMetrics } from './scoring';

/** The grid's finite weights (memory alone is the eval's "memory" row). */
export const FUSION_GRID_WEIGHTS = MEMORY_WEIGHT_GRID.filter((w) => Number.isFinite(w));

export interface FusionGridPoint {
  memoryWeight: number;
  mrr: number;
  'recall@5': number;
}

/** One question's file-level MRR and Recall@5 of the fused ranking at each grid weight (lexical weight 1). */
export async function fusionGrid(bundle: ModelBundle, store: MemoryReader, q: EvalQuestion, depth: number): Promise<FusionGridPoint[]> {
  const { nearest, lexical } = await candidateLists(bundle, store, q.question);
  const byId = new Map<string, ScoredChunk>();
  for (const c of [...lexical, ...nearest]) byId.set(c.id, c);
  return FUSION_GRID_WEIGHTS.map((w) => {
    const fused = reciprocalRankFusion([
      { ids: nearest.map((c) => c.id), weight: w },
      { ids: lexical.map((c) => c.id), weight: 1 },
    ]).slice(0, depth);
    const m = retrievalMetrics(fused.map((f) => byId.get(f.id)!.path), q.goldFiles);
    return { memoryWeight: w, mrr: m.mrr, 'recall@5': m['recall@5'] };
  });
}

export interface GridChoice {
  questions: number;
  scores: WeightScore[];
  /** The weight with the best mean MRR (chooseWeight's rule). */
  memoryWeight: number;
}

/** Mean MRR and Recall@5 per weight over the questions' grids, and the weight chooseWeight picks. */
export function chooseFromGrids(grids: FusionGridPoint[][]): GridChoice {
  if (grids.length === 0) throw new Error('no question has a fusion grid (was the eval run with --fusion-grid?)');
  const scores = FUSION_GRID_WEIGHTS.map((w) => {
    const points = grids.map((g) => {
      const p = g.find((x) => x.memoryWeight === w);
      if (!p) throw new Error(`a question's fusion grid has no memory weight ${w}`);
      return p;
    });
    return {
      memoryWeight: w,
      mrr: points.reduce((s, p) => s + p.mrr, 0) / points.length,
      recallAt5: points.reduce((s, p) => s + p['recall@5'], 0) / points.length,
    };
  });
  return { questions: grids.length, scores, memoryWeight: chooseWeight(scores) };
}
