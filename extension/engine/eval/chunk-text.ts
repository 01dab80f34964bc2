/**
 * The extractive answer baseline: the top-1 chunk's docstring, or its first lines when it has none. Chunk text comes
 * from chunking/chunk-text-reader.ts, redacted as the product indexed it.
 */

export const EXTRACTIVE_FALLBACK_LINES = 5;

/**
 * The docstring of a chunk: a Python triple-quoted string opening within its first lines (after the def/class
 * line), or a leading comment block (/** … *\/, //, #). Null when there is none.
 */
export function docstringOf(text: string): string | null {
  const lines = text.split('\n');
  const head = lines.slice(0, 8).join('\n');
  const py = /("""|''')([\s\S]*?)\1/.exec(text);
  if (py && head.includes(py[1])) return py[2].trim() || null;
  const block = /^\s*\/\*\*?([\s\S]*?)\*\//.exec(text);
  if (block) return block[1].split('\n').map((l) => l.replace(/^\s*\*\s?/, '')).join('\n').trim() || null;
  const comment: string[] = [];
  for (const l of lines) {
    const m = /^\s*(?:\/\/|#)(?!!)\s?(.*)$/.exec(l);
    if (!m) break;
    comment.push(m[1]);
  }
  return comment.join('\n').trim() || null;
}

/** Extractive answer from one chunk's text: its docstring, else its first non-empty lines. */
export function extractiveAnswer(text: string, fallbackLines = EXTRACTIVE_FALLBACK_LINES): string {
  const doc = docstringOf(text);
  if (doc) return doc;
  return text.split('\n').filter((l) => l.trim().length > 0).slice(0, fallbackLines).join('\n');
}
