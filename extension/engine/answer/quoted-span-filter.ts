/**
 * Streams an answer's text with each backticked span held back until it closes, so that a name appears whole, and
 * an answer cut off by the length limit inside a span ends before it instead of with a dangling "`" and a fragment
 * (Markdown would render the rest of the answer as code). What streams is exactly what the final answer holds.
 */
export class QuotedSpanFilter {
  private held = '';

  /** The part of `delta` that can be shown now. */
  push(delta: string): string {
    let out = '';
    for (const ch of delta) {
      if (this.held === '') {
        if (ch === '`') this.held = ch;
        else out += ch;
      } else {
        this.held += ch;
        if (ch === '`') {
          out += this.held;
          this.held = '';
        }
      }
    }
    return out;
  }

  /** At the end of the answer: a span still open is dropped, never shown. */
  flush(): string {
    this.held = '';
    return '';
  }
}
