/**
 * Reciprocal-rank fusion of the memory ranking and the lexical (BM25) ranking. RRF uses ranks only, so cosine scores
 * in [-1, 1] and unbounded BM25 scores need no calibration against each other; k = 60 is the value from Cormack et
 * al. (2009) that most systems keep.
 */
export const RRF_K = 60;

export interface FusedEntry {
  id: string;
  fused: number;
}

/** Ids of `rankings` (each best first) by fused RRF score, best first; ties keep the first ranking's order. */
export function reciprocalRankFusion(rankings: string[][], k: number = RRF_K): FusedEntry[] {
  const scores = new Map<string, number>();
  const firstSeen = new Map<string, number>();
  let order = 0;
  for (const ranking of rankings) {
    ranking.forEach((id, rank) => {
      scores.set(id, (scores.get(id) ?? 0) + 1 / (k + rank + 1));
      if (!firstSeen.has(id)) firstSeen.set(id, order++);
    });
  }
  return [...scores.entries()]
    .map(([id, fused]) => ({ id, fused }))
    .sort((a, b) => b.fused - a.fused || firstSeen.get(a.id)! - firstSeen.get(b.id)!);
}
