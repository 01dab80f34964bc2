/**
 * The code a question names: what a user writes when they know what they ask about — a backticked name, a snake_case
 * or camelCase identifier, a call such as `clean(`. Answering looks for these names in the chunks it is about to
 * read (abstention.ts): a chunk that contains, as a whole word, a name the question gives is the code asked about,
 * whatever its memory score. Plain English words are never names here, so a question asked in words is decided by
 * the memory score alone.
 */

const WORD = /[A-Za-z_$][A-Za-z0-9_$]*/g;
/** Shorter names (`get`, `run`, `id`) are in most chunks of most projects: finding one says nothing. */
const MIN_NAME_LENGTH = 4;

/** snake_case (`as_int`, `_bit64`), camelCase / PascalCase with two humps (`isNoseTest`, `PreparedRequest`, `OFTInteger`). */
function identifierShaped(word: string): boolean {
  const snake = /[A-Za-z0-9]_[A-Za-z0-9]/.test(word) || (/^_+[A-Za-z0-9]/.test(word) && !/__$/.test(word));
  return snake || /[a-z0-9][A-Z]/.test(word) || /[A-Z]{2}[a-z]/.test(word);
}

/** The names `question` gives for code, in first-seen order, without duplicates. */
export function namedCode(question: string): string[] {
  const names = new Set<string>();
  const add = (word: string) => {
    if (word.length >= MIN_NAME_LENGTH) names.add(word);
  };
  for (const span of question.matchAll(/`([^`\n]+)`/g)) for (const word of span[1].match(WORD) ?? []) add(word);
  for (const match of question.matchAll(/[A-Za-z_$][A-Za-z0-9_$]*(?=(\()?)/g)) {
    if (match[1] !== undefined || identifierShaped(match[0])) add(match[0]);
  }
  return [...names];
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The names among `names` that `text` contains as whole words (case-sensitive, as code is). */
export function namesIn(names: readonly string[], text: string): string[] {
  return names.filter((name) => new RegExp(`(?<![A-Za-z0-9_$])${escapeRegExp(name)}(?![A-Za-z0-9_$])`).test(text));
}
