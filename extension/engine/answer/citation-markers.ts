/**
 * The generator cites memory block b as "[b+1]". A marker that points at a block the generator was given is kept
 * and recorded; any other "[n]" is dropped from the text. Works on streamed deltas: a "[" followed by digits is held
 * back until it is known to be a marker or not, so the streamed text and the final answer agree. A "[" and digits
 * that the generator never closes ("[1`will`", or "[1" at the end of the answer: 22 of 281 SWE-QA answers of
 * tiny-broad-long) is a broken marker and is dropped, not shown; a "[" not followed by a digit is ordinary text.
 * Inside a backticked span the text is code ("`args[1]`", which grounded decoding may quote), never a marker, and
 * passes untouched. With grounded decoding on (the default), the generator can write neither kind of bad marker
 * (grounded-spans.ts); this filter is what guards answers decoded without it (`groundedAnswers: false`,
 * `--no-grounding`).
 */
const PARTIAL = /^\[\d{0,4}$/;
const MARKER = /^\[(\d{1,4})\]$/;
const BROKEN_MARKER = /^\[\d+$/;

export class CitationMarkerFilter {
  private pending = '';
  private inCode = false;
  private readonly cited: number[] = [];

  constructor(private readonly blocks: number) {}

  /** The part of `delta` that can be shown now. */
  push(delta: string): string {
    let out = '';
    // A character outside a held-back "[…": it may open a marker, or enter or leave a code span.
    const fresh = (ch: string) => {
      if (ch === '`') this.inCode = !this.inCode;
      if (ch === '[' && !this.inCode) this.pending = ch;
      else out += ch;
    };
    for (const ch of delta) {
      if (this.pending === '') {
        fresh(ch);
        continue;
      }
      const candidate = this.pending + ch;
      const marker = MARKER.exec(candidate);
      if (marker) {
        const n = Number(marker[1]);
        if (n >= 1 && n <= this.blocks) {
          out += candidate;
          if (!this.cited.includes(n)) this.cited.push(n);
        }
        this.pending = '';
      } else if (PARTIAL.test(candidate)) {
        this.pending = candidate;
      } else {
        // Not a marker after all: show what was held back, unless it was a marker left open; the character is then
        // taken as any other.
        if (!BROKEN_MARKER.test(this.pending)) out += this.pending;
        this.pending = '';
        fresh(ch);
      }
    }
    return out;
  }

  /** Text still held back at the end of the answer: a lone "[" is shown; an unfinished marker ("[12") is dropped. */
  flush(): string {
    const rest = this.pending;
    this.pending = '';
    return BROKEN_MARKER.test(rest) ? '' : rest;
  }

  /** Valid markers in order of first appearance. */
  get citedBlocks(): readonly number[] { return this.cited; }
}

/** Applies the filter to a whole text at once. */
export function filterCitationMarkers(text: string, blocks: number): { text: string; cited: number[] } {
  const filter = new CitationMarkerFilter(blocks);
  const out = filter.push(text) + filter.flush();
  return { text: out, cited: [...filter.citedBlocks] };
}
