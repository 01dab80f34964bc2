/**
 * When even the best memory scores under the bundle's calibrated threshold, and none of the chunks the generator would
 * read contains a name the question gives for code (named-code.ts), nothing is generated (the model would invent an
 * answer from unrelated memories): the answer says so and lists the nearest memories as its sources. A chunk that
 * contains the `ReprFuncArgs` a question asks about is the code asked about, whatever its memory score: real
 * questions score lower than the synthesized ones the threshold was calibrated on (docs/MODEL.md).
 */
import type { Citation, SearchHit } from '../engine-api';
import { namedCode, namesIn } from './named-code';

/** What answering compares with `abstain_below`: the best memory score among the retrieved hits (-Infinity for none). */
export function bestMemoryScore(hits: SearchHit[]): number {
  return hits.length > 0 ? Math.max(...hits.map((h) => h.memoryScore)) : -Infinity;
}

/** At most this many names are looked for: a pasted log names hundreds, and a few found are enough. */
const MAX_NAMES = 64;

export interface NamedCodeMatch {
  /** The names the question gives for code (named-code.ts), at most MAX_NAMES. */
  names: string[];
  /** Those found, as whole words, in a block the generator would read. */
  found: string[];
}

/**
 * The names `question` gives for code, and those a chunk of `read` (the blocks the generator would read, their text
 * from `chunkText`) contains. Without the chunks' text nothing is found.
 */
export function namedCodeMatch(question: string, read: SearchHit[], chunkText?: (hit: SearchHit) => string): NamedCodeMatch {
  const names = namedCode(question).slice(0, MAX_NAMES);
  if (!chunkText || names.length === 0) return { names, found: [] };
  const found = new Set(read.flatMap((hit) => namesIn(names, chunkText(hit))));
  return { names, found: names.filter((n) => found.has(n)) };
}

export function abstainedAnswer(hits: SearchHit[], threshold: number, names: string[] = []): { answer: string; citations: Citation[] } {
  const best = hits.length > 0 ? bestMemoryScore(hits) : null;
  const citations = hits.map((h, i) => toCitation(h, i + 1));
  if (best === null) {
    return { answer: 'The code that answers this was not found: the index holds no memories yet.', citations };
  }
  const lines = [
    `The code that answers this was not found in the index (best memory score ${best.toFixed(3)} is under the threshold ${threshold.toFixed(3)}).`,
    ...(names.length > 0 ? [`None of the names it gives (${names.slice(0, 5).map((n) => `\`${n}\``).join(', ')}) is in the nearest chunks.`] : []),
    'Nearest memories:',
    ...citations.map((c) => `[${c.n}] ${c.path}:${c.startLine}-${c.endLine}${c.symbol ? ` ${c.symbol}` : ''}`),
  ];
  return { answer: lines.join('\n'), citations };
}

export function toCitation(hit: SearchHit, n: number): Citation {
  return { n, path: hit.path, startLine: hit.startLine, endLine: hit.endLine, symbol: hit.symbol, score: hit.score };
}
