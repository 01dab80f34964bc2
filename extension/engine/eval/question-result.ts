/**
 * One question's outcome under every system of a run, and how it is scored. Retrieval systems rank chunks
 * (collapsed to files for file-level metrics); answer systems produce text and citations.
 */
import type { EvalQuestion, EvalSetName } from './eval-sets';
import type { FusionGridPoint } from './fusion-grid';
import {
  citationMetrics, exactMatch, rankedFiles, retrievalMetrics, spanHitAtK, tokenF1, type MetricRow, type Span,
} from './scoring';

/**
 * Retrieval systems: the product's memory score alone, its lexical score alone, the fused score, BM25, and (SWE-bench
 * Lite only) LocAgent's published predictions scored on the same questions, as a peer figure.
 */
export type RetrievalSystem = 'memory' | 'lexical' | 'fused' | 'bm25' | 'locagent';
/** Answer systems: the product's generator, and the extractive baseline on the product's / BM25's top-1 chunk. */
export type AnswerSystem = 'generator' | 'extractive_product' | 'extractive_bm25' | 'question_echo';

export const SPAN_HIT_K = [1, 5, 10] as const;
/** Retrieved chunk spans kept per system in the JSON (enough for span hit@10). */
export const KEPT_SPANS = 10;

export interface RetrievalOutcome {
  /** Ranked distinct files, all of them (the chunk ranking is SEARCH_K deep), so that score.py on the written
   * predictions gives the same MRR as the summary. */
  files: string[];
  /** Top chunk spans in rank order. */
  spans: Span[];
  /** Rank-1 score, as the system reports it. */
  topScore: number | null;
  ms: number;
  metrics: MetricRow;
}

export interface AnswerOutcome {
  answer: string;
  citations: Span[];
  abstained?: boolean;
  timings?: { retrievalMs: number; firstTokenMs: number; generationMs: number; totalMs: number; tokens: number };
  metrics: MetricRow;
}

export interface QuestionResult {
  set: EvalSetName;
  id: string;
  corpus: string;
  goldFrom?: string;
  goldFiles: string[];
  retrieval: Partial<Record<RetrievalSystem, RetrievalOutcome>>;
  answers: Partial<Record<AnswerSystem, AnswerOutcome>>;
  /** With --fusion-grid: the fused ranking's file-level MRR and Recall@5 at each memory weight of the grid. */
  fusionGrid?: FusionGridPoint[];
  error?: string;
}

/** Score one ranked list of chunk spans against a question's gold. */
export function scoreRetrieval(q: EvalQuestion, spans: Span[], topScore: number | null, ms: number): RetrievalOutcome {
  const files = rankedFiles(spans.map((s) => s[0])).filter((f): f is string => f !== null);
  const metrics: MetricRow = { ...retrievalMetrics(files, q.goldFiles) };
  if (q.goldLines?.length) {
    for (const k of SPAN_HIT_K) metrics[`span_hit@${k}`] = spanHitAtK(spans, q.goldLines, k);
  }
  return { files, spans: spans.slice(0, KEPT_SPANS), topScore, ms, metrics };
}

/** Score a published ranked file list (null placeholders keep their rank, as score.py does). */
export function scorePeerFiles(q: EvalQuestion, files: Array<string | null>): RetrievalOutcome {
  return { files: files.filter((f): f is string => f !== null), spans: [], topScore: null, ms: 0,
    metrics: { ...retrievalMetrics(files, q.goldFiles) } };
}

/**
 * Score an answer. Token F1 and exact match need a reference answer (SWE-QA); the citation file hit and precision
 * are computed wherever gold files exist (score.py computes them for SWE-QA only; reports keep the sets apart).
 * An abstention is no answer: its F1 and EM are 0, not those of the "not found" message (whose list of file paths
 * once scored F1 0.12 against SWE-QA references, more than any answer); its citations are the nearest memories it
 * lists, scored as such.
 */
export function scoreAnswer(
  q: EvalQuestion, answer: string, citations: Span[], extra: Pick<AnswerOutcome, 'abstained' | 'timings'> = {},
): AnswerOutcome {
  const metrics: MetricRow = {};
  if (q.referenceAnswer !== undefined) {
    const answered = extra.abstained ? '' : answer;
    metrics.answer_token_f1 = tokenF1(answered, q.referenceAnswer);
    metrics.exact_match = exactMatch(answered, q.referenceAnswer);
  }
  Object.assign(metrics, citationMetrics(citations, q.goldFiles, q.goldLines));
  if (extra.abstained !== undefined) metrics.abstained = extra.abstained ? 1 : 0;
  return { answer, citations, ...extra, metrics };
}
