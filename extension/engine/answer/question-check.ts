/**
 * Questions arrive from a chat box, a CLI argument or a script. Only an empty question is refused; a very long one is
 * accepted and cut by the tokenizer path (query_max_tokens), never rejected.
 */

/** Control characters other than tab and newlines (which are ordinary whitespace in a question). */
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/g;

/** The question with control characters removed and ends trimmed; throws a user-facing Error when nothing is left. */
export function checkQuestion(question: unknown): string {
  if (typeof question !== 'string') throw new Error('The question must be text.');
  const cleaned = question.replace(CONTROL, '').trim();
  if (cleaned === '') throw new Error('The question is empty: type a question about the code.');
  return cleaned;
}
