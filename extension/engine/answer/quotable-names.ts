/**
 * What an answer may quote between backticks: the names and small expressions found in the chunks it read —
 * paths (and their file names), symbols, identifiers, dotted chains and their sub-chains (`self.tk.call`, `tk.call`,
 * `call`), calls with their arguments (`add(a, b)`, at most MAX_CALL_CHARS), numbers and short string literals.
 * A fragment of a word, or of two words ("`False ter`"), is not a name; answers that quote one say nothing.
 */

const CHAIN = /[\p{L}_$][\p{L}\p{N}_$]*(?:\.[\p{L}_$][\p{L}\p{N}_$]*)*/gu;
const NUMBER = /(?<![\p{L}\p{N}_$.])\d+(?:\.\d+)?(?![\p{L}\p{N}_$])/gu;
const STRING = /(['"])(?:(?!\1)[^\\\n]){0,38}\1/g;
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
    const text = source.replace(/\s+/g, ' ');
    for (const m of text.matchAll(CHAIN)) {
      const parts = m[0].split('.');
      for (let i = 0; i < parts.length; i++) {
        for (let j = i + 1; j <= parts.length; j++) names.add(parts.slice(i, j).join('.'));
      }
      const call = callAt(text, m.index + m[0].length);
      if (call !== null) names.add(m[0] + call);
    }
    for (const m of text.matchAll(NUMBER)) names.add(m[0]);
    for (const m of text.matchAll(STRING)) names.add(m[0]);
  }
  return [...names].sort();
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
