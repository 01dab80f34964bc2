/**
 * The shape every two-name claim of the trained answers shares: a backticked span, the claim's words, and the span
 * they lead to ("`A` [1] inherits from `B`", "`f` calls `g`"). Inheritance claims (inheritance-claims.ts) and call and
 * return claims (relation-claims.ts) read their claims and their object's slot through these, each with its words.
 */

export interface SpanClaim {
  /** The span before the words: what the claim is about. */
  name: string;
  /** The words, matched. */
  words: RegExpExecArray;
  /** The span after the words. */
  object: string;
}

/** Every closed span preceded by `words` (a whole-segment pattern) and a span before them, in order. */
export function spanClaims(answer: string, words: RegExp): SpanClaim[] {
  const seg = answer.split('`');
  // Even indices are outside backticks, odd ones inside; a last odd segment with no closing tick is not a span.
  const closed = seg.length % 2 === 1 ? seg.length : seg.length - 1;
  const claims: SpanClaim[] = [];
  for (let i = 3; i < closed; i += 2) {
    const m = words.exec(seg[i - 1]);
    if (m) claims.push({ name: seg[i - 2], words: m, object: seg[i] });
  }
  return claims;
}

/** When `before` (text up to a span's opening tick) ends with a span and `words`: that span and the words, matched. */
export function objectSlot(before: string, words: RegExp): { name: string; words: RegExpExecArray } | null {
  const seg = before.split('`');
  if (seg.length % 2 === 0 || seg.length < 3) return null; // inside a span, or no span yet
  const m = words.exec(seg[seg.length - 1]);
  return m ? { name: seg[seg.length - 2], words: m } : null;
}
