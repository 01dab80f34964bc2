/**
 * What the CLI prints: the --json shapes (docs/CLI.md, relied on by scripts, benchmarks and tests) and the human form.
 */
import type { AnswerResult, Citation, SearchHit } from '../engine/engine-api';

export interface JsonHit {
  rank: number;
  score: number;
  path: string;
  startLine: number;
  endLine: number;
  symbol: string | null;
}

export function jsonHit(h: SearchHit): JsonHit {
  return { rank: h.rank, score: h.score, path: h.path, startLine: h.startLine, endLine: h.endLine, symbol: h.symbol };
}

export function searchJson(hits: SearchHit[]): { results: JsonHit[] } {
  return { results: hits.map(jsonHit) };
}

export function askJson(r: AnswerResult) {
  return {
    answer: r.answer,
    citations: r.citations.map((c) => ({ n: c.n, path: c.path, startLine: c.startLine, endLine: c.endLine, symbol: c.symbol, score: c.score })),
    retrieved: r.retrieved.map(jsonHit),
    abstained: r.abstained,
    foundByName: r.foundByName,
    timings: r.timings,
    model: { name: r.model.name, version: r.model.version, executionProvider: r.model.executionProvider },
  };
}

export function formatHit(h: SearchHit): string {
  const scores = h.lexicalScore === undefined
    ? `${h.score.toFixed(3)}`
    : `${h.score.toFixed(4)} (memory ${h.memoryScore.toFixed(3)}, lexical ${h.lexicalScore.toFixed(2)})`;
  return `${String(h.rank).padStart(3)}. ${h.path}:${h.startLine}-${h.endLine}${h.symbol ? `  ${h.symbol}` : ''}  ${scores}`;
}

export function formatCitation(c: Citation): string {
  return `[${c.n}] ${c.path}:${c.startLine}-${c.endLine}${c.symbol ? ` ${c.symbol}` : ''}`;
}

export function formatSources(citations: Citation[]): string {
  return ['Sources:', ...citations.map(formatCitation)].join('\n');
}
