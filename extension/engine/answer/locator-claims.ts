/**
 * Locator claims: the generator's trained answers say where code is in one form, "`name` in `path` [n]" (also
 * "`name` is defined in `path` [n]", "`name` is a method of `Class` in `path` [n]"). Such a claim is true when the
 * path is the file of the block the marker cites and that block holds the name. This module reads the claims of an
 * answer (for the evaluation's `locators_true`) and the slot a partial answer is in (for grounded decoding, which
 * keeps every claim true while it is written: grounded-spans.ts).
 */
import { collapseSpace } from './quotable-names';

/** The words a claim may put between its name and " in `path`": "", " is defined", " is a method of", … */
const CLAIM_WORDS = /^(?: [A-Za-z]+)* in $/;
/** What may stand between a claim's path and its marker. */
const BEFORE_MARKER = /^ ?$/;

export interface LocatorClaim {
  /** The name the claim locates (the span nearest before " in "). */
  name: string;
  /** The span after " in ": a path. */
  path: string;
  /** The marker right after the path ("[2]" → 2), or null. */
  marker: number | null;
}

/** Whether `written` names `path`: the path itself or a part of it that ends it, cut at a "/" ("json/tag.py", "tag.py"). */
export function namesPath(written: string, path: string): boolean {
  const p = path.replace(/\\/g, '/');
  return written === p || (written.length > 0 && p.endsWith(`/${written}`));
}

/** The claims of an answer, in order. A span is read as a claim's path only when " in " (and words) precede it. */
export function locatorClaims(answer: string): LocatorClaim[] {
  const seg = answer.split('`');
  // Even indices are outside backticks, odd ones inside; a last odd segment with no closing tick is not a span.
  const closed = seg.length % 2 === 1 ? seg.length : seg.length - 1;
  const claims: LocatorClaim[] = [];
  for (let i = 3; i < closed; i += 2) {
    if (!CLAIM_WORDS.test(seg[i - 1])) continue;
    const after = i + 1 < seg.length ? seg[i + 1] : '';
    const m = /^ ?\[(\d+)\]/.exec(after);
    claims.push({ name: seg[i - 2], path: seg[i], marker: m ? Number(m[1]) : null });
  }
  return claims;
}

/** Whether `text` stops where a claim still needs its path: a closed span, then " in" (and words), and nothing after. */
export function awaitsPath(text: string): boolean {
  const seg = text.split('`');
  return seg.length % 2 === 1 && seg.length >= 3 && CLAIM_WORDS.test(seg[seg.length - 1].replace(/ in$/, ' in '));
}

/** Whether `words` are a claim's words up to its " in" (" in", " is defined in"), the path's space not yet written. */
export function isLocatorWords(words: string): boolean {
  return CLAIM_WORDS.test(`${words} `);
}

/**
 * Whether `ch` may follow `text` (outside a span) where a locator claim's words lead to its path: after " in " only
 * the path's opening tick; right after " in", a space or a letter (a longer word, such as "inherits": right after a
 * name grounded-spans.ts allows no other). The model,
 * refused the end on "`Field` in", wrote "`Field` in [1]." or "in_in_in…" (docs/MODEL.md, "Answers that read as words").
 */
export function locatorWordsAllow(text: string, ch: string): boolean {
  const seg = text.split('`');
  if (seg.length % 2 === 0 || seg.length < 3) return true;
  const tail = seg[seg.length - 1];
  if (CLAIM_WORDS.test(tail)) return ch === '`';
  if (isLocatorWords(tail)) return ch === ' ' || /[A-Za-z]/.test(ch);
  return true;
}

/** A span opened after `before` is a claim's path when `before` ends with a closed span and " in " (and words). */
export function pathSlot(before: string): { name: string } | null {
  const seg = before.split('`');
  if (seg.length % 2 === 0 || seg.length < 3) return null; // inside a span, or no span yet
  return CLAIM_WORDS.test(seg[seg.length - 1]) ? { name: seg[seg.length - 2] } : null;
}

/** A marker opened after `before` cites a claim's block when `before` ends with the claim's path (and a space). */
export function markerSlot(before: string): { name: string; path: string } | null {
  const seg = before.split('`');
  const n = seg.length;
  if (n % 2 === 0 || n < 5 || !BEFORE_MARKER.test(seg[n - 1]) || !CLAIM_WORDS.test(seg[n - 3])) return null;
  return { name: seg[n - 4], path: seg[n - 2] };
}

/** A block as a claim is checked against: its path and the names it holds (quotable-names.ts). */
export interface ClaimBlock {
  path: string;
  has(name: string): boolean;
}

/** Whether `block` makes the claim true: it is in the file the claim names and holds the name. */
export function claimHolds(claim: { name: string; path: string }, block: ClaimBlock): boolean {
  return namesPath(claim.path, block.path) && block.has(claim.name);
}

/**
 * Share of an answer's locator claims that are true of the blocks it cites (each with its marker number n); null when
 * the answer makes none. A claim with a marker is checked against that block; one without, against every cited block.
 */
export function locatorClaimsTrue(answer: string, cited: ReadonlyArray<ClaimBlock & { n: number }>): number | null {
  const claims = locatorClaims(answer);
  if (claims.length === 0) return null;
  const held = claims.filter((c) => {
    if (c.marker === null) return cited.some((b) => claimHolds(c, b));
    const b = cited.find((x) => x.n === c.marker);
    return b !== undefined && claimHolds(c, b);
  }).length;
  return held / claims.length;
}

/** What the blocks an answer reads allow a locator claim to say, slot by slot (grounded-spans.ts keeps claims true). */
export class ClaimSlots {
  /** `paths[b]` and `names[b]`: block b+1's path and the names it holds (quotable-names.ts). */
  constructor(private readonly paths: readonly string[], private readonly names: ReadonlyArray<ReadonlySet<string>>) {}

  /**
   * A span opened after `before` that is a claim's path: the workspace path of the highest-ranked block that holds
   * the claim's name, or of any block when none does (a name closed only because the rule relaxed). The whole path,
   * not a shorter end of it: the model's logits carry nothing about how to spell a path, so the rule writes the one
   * that says most (`__init__.py` names a dozen files). Null when the span is not a claim's path.
   */
  pathChoices(before: string): string[] | null {
    const slot = pathSlot(before);
    if (!slot) return null;
    const first = this.names.findIndex((names) => names.has(collapseSpace(slot.name)));
    return [...new Set(first >= 0 ? [this.paths[first]] : this.paths)];
  }

  /**
   * A marker opened after `before` that ends a claim: the blocks it may cite (1-based), those in the file the claim
   * names that hold its name, else those in that file. Null when it ends no claim or no block is in that file.
   */
  markerChoices(before: string): Set<number> | null {
    const slot = markerSlot(before);
    if (!slot) return null;
    const inFile = this.paths.map((p, b) => (namesPath(slot.path, p) ? b + 1 : 0)).filter((n) => n > 0);
    const holding = inFile.filter((n) => this.names[n - 1].has(collapseSpace(slot.name)));
    const choices = holding.length > 0 ? holding : inFile;
    return choices.length > 0 ? new Set(choices) : null;
  }

  /** Whether `text` ends with a claim's path (and a space), so that its marker must come next. */
  awaitsMarker(text: string, last: boolean): boolean {
    // Not on the length limit's last token, which could not write a whole marker.
    if (last || !(text.endsWith('`') || text.endsWith('` '))) return false;
    return this.markerChoices(text) !== null;
  }
}
