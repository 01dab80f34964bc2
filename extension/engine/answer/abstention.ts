/**
 * When even the best memory scores under the bundle's calibrated threshold, nothing is generated (the model would
 * invent an answer from unrelated memories): the answer says so and lists the nearest memories as its sources.
 */
import type { Citation, SearchHit } from '../engine-api';

/** What answering compares with `abstain_below`: the best memory score among the retrieved hits (-Infinity for none). */
export function bestMemoryScore(hits: SearchHit[]): number {
  return hits.length > 0 ? Math.max(...hits.map((h) => h.memoryScore)) : -Infinity;
}

export function abstainedAnswer(hits: SearchHit[], threshold: number): { answer: string; citations: Citation[] } {
  const best = hits.length > 0 ? bestMemoryScore(hits) : null;
  const citations = hits.map((h, i) => toCitation(h, i + 1));
  if (best === null) {
    return { answer: 'The code that answers this was not found: the index holds no memories yet.', citations };
  }
  const lines = [
    `The code that answers this was not found in the index (best memory score ${best.toFixed(3)} is under the threshold ${threshold.toFixed(3)}).`,
    'Nearest memories:',
    ...citations.map((c) => `[${c.n}] ${c.path}:${c.startLine}-${c.endLine}${c.symbol ? ` ${c.symbol}` : ''}`),
  ];
  return { answer: lines.join('\n'), citations };
}

export function toCitation(hit: SearchHit, n: number): Citation {
  return { n, path: hit.path, startLine: hit.startLine, endLine: hit.endLine, symbol: hit.symbol, score: hit.score };
}
