/**
 * A very long question is not refused: it is cut to the bundle's query_max_tokens tokens, once, and that cut text is
 * what the query encoder, the lexical index and the generator's prompt all see (so a pasted 1 MB log is tokenised
 * once instead of by every consumer).
 */
import type { TextTokenizer } from '../engine-parts';

export function cutQuestion(tokenizer: TextTokenizer, question: string, maxTokens: number): string {
  const ids = tokenizer.encode(question);
  if (ids.length <= maxTokens) return question;
  // A cut inside a multi-byte character decodes to U+FFFD; drop that partial character.
  return tokenizer.decode(ids.slice(0, maxTokens)).replace(/\uFFFD+$/, '');
}
