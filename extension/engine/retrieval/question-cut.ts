/**
 * A very long question is not refused: it is cut. The query encoder and the generator's prompt read its first
 * query_max_tokens tokens, the length the query encoder was trained on. The lexical index reads more of it, up to
 * LEXICAL_QUESTION_WINDOWS times that: an issue report's title comes first, but the names that locate the code (a
 * function in a traceback, a setting) often come later, and BM25 weighs every word it is given. Nothing past that is
 * tokenised, so a pasted 1 MB log costs no more than a long question.
 *
 * Measured on SWE-bench Lite's issue reports (median 368 tokens; docs/EVALUATION.md): the fused ranking's MRR
 * 0.574 -> 0.614 with the lexical index reading 512 tokens instead of 64. Encoding every 64-token window and
 * averaging the windows' memories was tried for the memory side and not kept (memory-alone MRR 0.226 -> 0.204).
 */
import type { TextTokenizer } from '../engine-parts';

/** The lexical index reads up to this many times query_max_tokens of a question (8 × 64 = 512 tokens by default). */
export const LEXICAL_QUESTION_WINDOWS = 8;

/**
 * Characters tokenised per token of budget before cutting, so a huge paste is not tokenised whole. Longer than any
 * token of the vocabularies trained here (72 characters in clara-code-tiny's, 64 in clara-code-base's, 77 in the
 * `small` config's), so the cut falls on tokens; a vocabulary with longer tokens would only have a little less of a
 * very long question read.
 */
const MAX_CHARS_PER_TOKEN = 128;

export interface RetrievalQuestion {
  /** What the query encoder reads: the question cut to query_max_tokens tokens. */
  forMemory: string;
  /** What the lexical index reads: the question cut to LEXICAL_QUESTION_WINDOWS × query_max_tokens tokens. */
  forLexical: string;
}

/** `question` cut to each of `budgets` tokens (ascending), tokenising only as much as the largest needs. */
function cutTo(tokenizer: TextTokenizer, question: string, budgets: number[]): string[] {
  const largest = Math.max(...budgets);
  const head = question.slice(0, largest * MAX_CHARS_PER_TOKEN);
  const ids = tokenizer.encode(head);
  return budgets.map((budget) => {
    if (ids.length <= budget && head.length === question.length) return question;
    // A cut inside a multi-byte character decodes to U+FFFD; drop that partial character.
    return tokenizer.decode(ids.slice(0, budget)).replace(/\uFFFD+$/, '');
  });
}

/** The question cut to at most maxTokens tokens (unchanged when it is shorter). */
export function cutQuestion(tokenizer: TextTokenizer, question: string, maxTokens: number): string {
  return cutTo(tokenizer, question, [maxTokens])[0];
}

/** What each side of retrieval reads of a question (see the file comment). */
export function retrievalQuestion(tokenizer: TextTokenizer, question: string, maxTokens: number): RetrievalQuestion {
  const [forMemory, forLexical] = cutTo(tokenizer, question, [maxTokens, maxTokens * LEXICAL_QUESTION_WINDOWS]);
  return { forMemory, forLexical };
}
