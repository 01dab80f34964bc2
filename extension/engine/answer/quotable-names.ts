/**
 * What an answer may quote between backticks: the names and small expressions found in the chunks it read —
 * paths (and their file names), symbols, identifiers, dotted chains and their sub-chains (`self.tk.call`, `tk.call`,
 * `call`), calls with their arguments (`add(a, b)`, at most MAX_CALL_CHARS), numbers and short string literals.
 * A fragment of a word, or of two words ("`False ter`"), is not a name; answers that quote one say nothing. Words
 * that occur only in comments, docstrings or string literals are prose, not names ("`Typically`"), and are left out.
 */

const CHAIN = /[\p{L}_$][\p{L}\p{N}_$]*(?:\.[\p{L}_$][\p{L}\p{N}_$]*)*/gu;
const NUMBER = /(?<![\p{L}\p{N}_$.])\d+(?:\.\d+)?(?![\p{L}\p{N}_$])/gu;
const STRING = /(['"])(?:(?!\1)[^\\\n]){0,38}\1/g;
/** A letter, digit, underscore or $: what a name holds, and what a quoted span must hold to close. */
export const WORD_CHAR = /[\p{L}\p{N}_$]/u;
/** Any one-line string literal, escapes included: its words are prose, not names. */
const ANY_STRING = /(['"])(?:\\.|(?!\1)[^\\\n])*\1/g;
const TRIPLE_QUOTED = /("""|''')[\s\S]*?(?:\1|$)/g;
// A string literal or a comment, whichever starts first: matching strings too keeps a "#" or "//" inside one.
const HASH_COMMENT_OR_STRING = new RegExp(String.raw`${ANY_STRING.source}|#[^\n]*`, 'g');
const SLASH_COMMENT_OR_STRING = new RegExp(String.raw`${ANY_STRING.source}|\/\*[\s\S]*?(?:\*\/|$)|\/\/[^\n]*`, 'g');
const HASH_COMMENTS = /\.(py|pyi|pyw|rb|sh|bash|zsh|ya?ml|toml|r|pl|pm|cfg|ini|conf|cmake|mk)$|(^|\/)(Makefile|Dockerfile)$/i;
const SLASH_COMMENTS = /\.(js|jsx|mjs|cjs|ts|tsx|mts|cts|go|java|c|h|cc|cpp|cxx|hpp|hh|cs|rs|php|swift|kt|kts|scala|dart|groovy)$/i;
/** Keywords of the indexed languages: quoting one names nothing. (Values such as None, true or nil stay quotable.) */
const KEYWORDS = new Set(['and', 'as', 'assert', 'async', 'await', 'break', 'case', 'catch', 'class', 'const',
  'continue', 'def', 'default', 'defer', 'del', 'do', 'elif', 'else', 'enum', 'except', 'export', 'extends', 'finally',
  'fn', 'for', 'from', 'func', 'function', 'global', 'go', 'if', 'impl', 'implements', 'import', 'in', 'instanceof',
  'interface', 'is', 'lambda', 'let', 'match', 'mod', 'module', 'mut', 'new', 'nonlocal', 'not', 'or', 'package',
  'pass', 'private', 'protected', 'pub', 'public', 'raise', 'return', 'static', 'struct', 'switch', 'throw', 'throws',
  'try', 'typeof', 'use', 'var', 'void', 'where', 'while', 'with', 'yield']);
/** Calls longer than this are not quoted whole (their name and arguments still are). */
export const MAX_CALL_CHARS = 80;

/** The sorted, distinct names of `sources` (each: path line, symbol line, then the chunk's text). */
export function quotableNames(sources: readonly string[]): string[] {
  const names = new Set<string>();
  for (const source of sources) {
    const [pathLine = '', symbolLine = ''] = source.split('\n', 2);
    for (const line of [pathLine, symbolLine]) {
      const name = line.trim();
      if (name === '') continue;
      names.add(name);
      names.add(name.slice(name.lastIndexOf('/') + 1));
    }
    for (const m of symbolLine.matchAll(CHAIN)) addChain(names, m[0]);
    const code = collapseSpace(withoutComments(source.split('\n').slice(2).join('\n'), pathLine.trim()));
    const prose = [...code.matchAll(ANY_STRING)].map((m) => [m.index, m.index + m[0].length]);
    const inString = (at: number) => prose.some(([from, to]) => at >= from && at < to);
    for (const m of code.matchAll(CHAIN)) {
      if (inString(m.index)) continue;
      addChain(names, m[0]);
      const call = callAt(code, m.index + m[0].length);
      if (call !== null) names.add(m[0] + call);
    }
    for (const m of code.matchAll(NUMBER)) if (!inString(m.index)) names.add(m[0]);
    // A literal with no letter, digit or underscore ('", "') names nothing, and a span holding only it could never
    // close (grounded-spans.ts closes a span on a word character): the rule walked into it and wrote garbage.
    for (const m of code.matchAll(STRING)) if (WORD_CHAR.test(m[0])) names.add(m[0]);
  }
  return [...names].sort();
}

/** A definition keyword of the indexed languages and the name it defines (a Go method's receiver skipped). */
const DEFINITION = /\b(?:def|class|function\*?|func(?:\s*\([^)]*\))?|fn|interface|struct|enum|trait|type)\s+([\p{L}_$][\p{L}\p{N}_$]*)/gu;
/** A module constant (Python's convention: an upper-case name assigned at the start of a line). */
const CONSTANT = /^[ \t]*([A-Z][A-Z0-9_]{2,})[ \t]*(?::[^=\n]*)?=(?!=)/gm;

/**
 * The names a source (path line, symbol line, then the chunk's text) defines: each part of its symbol (the chunker's
 * name for the chunk: `Flask.open_resource`, `Flask`, `open_resource`), the names after definition keywords, and
 * upper-case constants. An answer is trained to start with one of these (`answer/grounded-spans.ts`).
 */
export function definedNames(source: string): Set<string> {
  const [pathLine = '', symbolLine = ''] = source.split('\n', 2);
  const defined = new Set<string>();
  for (const m of symbolLine.matchAll(CHAIN)) for (const part of m[0].split('.')) defined.add(part);
  const code = withoutComments(source.split('\n').slice(2).join('\n'), pathLine.trim());
  for (const m of code.matchAll(DEFINITION)) defined.add(m[1]);
  for (const m of code.matchAll(CONSTANT)) defined.add(m[1]);
  return defined;
}

/** Whether a quotable name names one of `defined`: the name itself, a chain ending in it, or a call of either. */
export function namesDefinition(name: string, defined: ReadonlySet<string>): boolean {
  const head = name.split('(', 1)[0];
  return defined.has(head) || defined.has(head.slice(head.lastIndexOf('.') + 1));
}

/** Runs of whitespace as one space: names are read, and spans checked, on one line. */
export function collapseSpace(text: string): string {
  return text.replace(/\s+/g, ' ');
}

/** A dotted chain and every contiguous part of it (`self.tk.call`: `self.tk`, `tk.call`, `call`, …), keywords left out. */
function addChain(names: Set<string>, chain: string): void {
  const parts = chain.split('.');
  for (let i = 0; i < parts.length; i++) {
    for (let j = i + 1; j <= parts.length; j++) {
      if (j - i > 1 || !KEYWORDS.has(parts[i])) names.add(parts.slice(i, j).join('.'));
    }
  }
}

/** The code with comments and triple-quoted strings (docstrings) blanked, by the comment syntax of its path. */
function withoutComments(code: string, path: string): string {
  if (HASH_COMMENTS.test(path)) {
    return code.replace(TRIPLE_QUOTED, ' ').replace(HASH_COMMENT_OR_STRING, (m) => (m.startsWith('#') ? ' ' : m));
  }
  if (SLASH_COMMENTS.test(path)) return code.replace(SLASH_COMMENT_OR_STRING, (m) => (m.startsWith('/') ? ' ' : m));
  return code;
}

/** The balanced "(…)" starting at `at`, if short enough; null otherwise. */
function callAt(text: string, at: number): string | null {
  if (text[at] !== '(') return null;
  let depth = 0;
  for (let i = at; i < text.length && i - at < MAX_CALL_CHARS; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')' && --depth === 0) return text.slice(at, i + 1);
  }
  return null;
}

const NO_NAMES: ReadonlySet<string> = new Set();

/** Sorted names with prefix lookup. */
export class NameSet {
  private readonly exact: Set<string>;

  constructor(private readonly sorted: readonly string[]) {
    this.exact = new Set(sorted);
  }

  has(name: string): boolean {
    return this.exact.has(name);
  }

  /** Whether some name outside `except` starts with `prefix`. */
  extends(prefix: string, except: ReadonlySet<string> = NO_NAMES): boolean {
    for (const name of this.startingWith(prefix)) if (!except.has(name)) return true;
    return false;
  }

  /** The names that start with `prefix`, in order. */
  *startingWith(prefix: string): Generator<string> {
    let lo = 0;
    let hi = this.sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.sorted[mid] < prefix) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < this.sorted.length && this.sorted[i].startsWith(prefix); i++) yield this.sorted[i];
  }
}
