/**
 * The words a chunk is findable by in the full-text (BM25) index: identifiers as written plus their camelCase /
 * snake_case parts, and the parts of the file's path. No source text is kept — only a bag of words.
 */

const WORD = /[A-Za-z_$][A-Za-z0-9_$]*|[0-9]+/g;
/** Cap per chunk: the index needs the vocabulary, not every repetition. */
const MAX_TERMS = 400;

/** Splits an identifier into its lower-cased parts: `parseHTTPRequest_v2` → parse, http, request, v2. */
export function identifierParts(identifier: string): string[] {
  return identifier
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter((p) => p.length > 0)
    .map((p) => p.toLowerCase());
}

/** Terms of a piece of text (a chunk's code or a question), in first-seen order, without duplicates. */
export function lexicalTerms(text: string, limit = MAX_TERMS): string[] {
  const seen = new Set<string>();
  const add = (term: string) => {
    if (term.length >= 2 && seen.size < limit) seen.add(term);
  };
  for (const match of text.matchAll(WORD)) {
    const word = match[0];
    add(word.toLowerCase());
    const parts = identifierParts(word);
    if (parts.length > 1) for (const part of parts) add(part);
    if (seen.size >= limit) break;
  }
  return [...seen];
}

/** The lexical column of one chunk: path parts, symbol parts and code terms. */
export function chunkLexicalText(relPath: string, symbol: string | null, code: string): string {
  const pathTerms = relPath.split(/[/.\-]+/).flatMap((p) => [p.toLowerCase(), ...identifierParts(p)]);
  const symbolTerms = symbol ? lexicalTerms(symbol) : [];
  const terms = new Set([...pathTerms.filter((t) => t.length >= 2), ...symbolTerms, ...lexicalTerms(code)]);
  return [...terms].join(' ');
}
