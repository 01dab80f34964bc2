/**
 * Reciprocal-rank fusion of the memory ranking and the lexical (BM25) ranking. RRF uses ranks only, so cosine scores
 * in [-1, 1] and unbounded BM25 scores need no calibration against each other; k = 60 is the value from Cormack et
 * al. (2009) that most systems keep. Each ranking carries a weight (weighted RRF): a bundle whose memory ranking
 * measures weaker than the lexical one on its held-out questions says so in its manifest (`retrieval.fusion`), and
 * the fused order follows that measurement instead of trusting both lists equally.
 */
export const RRF_K = 60;

export interface FusedEntry {
  id: string;
  fused: number;
}

export interface WeightedRanking {
  /** Ids, best first. */
  ids: string[];
  /** ≥ 0; a list of weight 0 only orders what no other list ranks (after everything the others rank). */
  weight: number;
}

/** Ids of `rankings` by fused score, best first; ties keep the order in which ids were first seen, list by list. */
export function reciprocalRankFusion(rankings: Array<string[] | WeightedRanking>, k: number = RRF_K): FusedEntry[] {
  const scores = new Map<string, number>();
  const firstSeen = new Map<string, number>();
  let order = 0;
  for (const entry of rankings) {
    const { ids, weight } = Array.isArray(entry) ? { ids: entry, weight: 1 } : entry;
    ids.forEach((id, rank) => {
      scores.set(id, (scores.get(id) ?? 0) + weight / (k + rank + 1));
      if (!firstSeen.has(id)) firstSeen.set(id, order++);
    });
  }
  return [...scores.entries()]
    .map(([id, fused]) => ({ id, fused }))
    .sort((a, b) => b.fused - a.fused || firstSeen.get(a.id)! - firstSeen.get(b.id)!);
}
