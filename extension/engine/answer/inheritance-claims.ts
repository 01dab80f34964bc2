/**
 * Inheritance claims: the generator's trained answers say what a class derives from in two forms, "`A` [n] inherits
 * from `B` in `path` [m]" and "`A` derives from `B`, `C` [n]". Such a claim is true when some block read defines class
 * A with B among its bases. This module reads the bases the blocks declare, the claims of an answer (for the
 * evaluation's `inherits_true`) and the slot a partial answer is in (for grounded decoding, which keeps the claims
 * true while they are written, and refuses the words for a name no block gives bases for: grounded-spans.ts), and
 * how far a verb being written has gone (verbInProgress).
 */
import { objectSlot, spanClaims } from './span-claims';

/** Python's `class A(B, C):` and the `class A extends B` / `implements C, D` of JavaScript, TypeScript and Java. */
const PY_CLASS = /\bclass\s+([\p{L}_$][\p{L}\p{N}_$]*)\s*\(([^)]*)\)\s*:/gu;
const EXTENDS_CLASS = /\bclass\s+([\p{L}_$][\p{L}\p{N}_$]*)(?:\s*<[^>{]*>)?((?:\s+(?:extends|implements)\s+[\p{L}_$][\p{L}\p{N}_$.]*(?:\s*<[^>{]*>)?(?:\s*,\s*[\p{L}_$][\p{L}\p{N}_$.]*(?:\s*<[^>{]*>)?)*)+)/gu;
const BASE_NAME = /[\p{L}_$][\p{L}\p{N}_$]*(?:\.[\p{L}_$][\p{L}\p{N}_$]*)*/gu;
/** The words of a claim between the class and its base. */
const CLAIM_WORDS = /^(?: \[\d+\])? (?:inherits|derives) from $/;

/**
 * The bases each class in `code` declares, by class name: every base as written (`migrations.Migration`) and its
 * last dotted part (`Migration`); keyword arguments (`metaclass=ABCMeta`) and type arguments are not bases.
 */
export function classBases(code: string): Map<string, Set<string>> {
  const bases = new Map<string, Set<string>>();
  const add = (cls: string, list: string) => {
    const set = bases.get(cls) ?? new Set<string>();
    for (const part of list.replace(/<[^>]*>|\[[^\]]*\]/g, '').split(',')) {
      if (part.includes('=')) continue;
      const name = part.trim().match(BASE_NAME)?.[0];
      if (!name || name === 'object') continue;
      set.add(name);
      set.add(name.slice(name.lastIndexOf('.') + 1));
    }
    if (set.size > 0) bases.set(cls, set);
  };
  for (const m of code.matchAll(PY_CLASS)) add(m[1], m[2]);
  for (const m of code.matchAll(EXTENDS_CLASS)) add(m[1], m[2].replace(/\b(?:extends|implements)\b/g, ','));
  return bases;
}

/**
 * The bases of `cls` over several blocks' maps (a class may be read in one block and named in another), never the
 * class itself: Django's `class Migration(migrations.Migration)` had answers saying "`migrations.Migration` inherits
 * from `migrations.Migration` inherits from …", true by the short name alone.
 */
export function basesOf(cls: string, maps: ReadonlyArray<ReadonlyMap<string, ReadonlySet<string>>>): Set<string> {
  const name = cls.split('(', 1)[0];
  const short = name.slice(name.lastIndexOf('.') + 1);
  const out = new Set<string>();
  for (const map of maps) for (const b of map.get(short) ?? []) out.add(b);
  out.delete(name);
  out.delete(short);
  return out;
}

export interface InheritanceClaim {
  /** The class (the span before "inherits from" / "derives from"). */
  name: string;
  /** The base it is said to have. */
  base: string;
}

/** The claims of an answer: a span, the claim's words, and the span that follows them. */
export function inheritanceClaims(answer: string): InheritanceClaim[] {
  return spanClaims(answer, CLAIM_WORDS).map((c) => ({ name: c.name, base: c.object }));
}

/** Share of an answer's inheritance claims that the blocks' declared bases make true; null when it makes none. */
export function inheritanceClaimsTrue(answer: string, maps: ReadonlyArray<ReadonlyMap<string, ReadonlySet<string>>>): number | null {
  const claims = inheritanceClaims(answer);
  if (claims.length === 0) return null;
  return claims.filter((c) => basesOf(c.name, maps).has(c.base)).length / claims.length;
}

/** The class a span opened after `before` is said to derive from, when `before` ends with the claim's words. */
export function baseSlot(before: string): string | null {
  return objectSlot(before, CLAIM_WORDS)?.name ?? null;
}

/** The words of inheritance claims, up to their base's opening tick. */
export const VERB_CLAIM_WORDS = [' inherits from ', ' derives from '];
/** Words after a span that start an inheritance verb (" in" alone is a locator's). */
const VERB_START = /^(?: \[\d+\])? (?:inh|der)/;

/**
 * The inheritance claim a text is writing the words of, after a closed span: the class and the words so far
 * (" inher", marker dropped); null when the words after the last span do not start a verb.
 */
export function verbInProgress(text: string): { cls: string; words: string } | null {
  const seg = text.split('`');
  if (seg.length % 2 === 0 || seg.length < 3) return null;
  const tail = seg[seg.length - 1];
  if (!VERB_START.test(tail)) return null;
  return { cls: seg[seg.length - 2], words: tail.replace(/^ \[\d+\]/, '') };
}

/** Whether `words` (after a class and its marker) can still become an inheritance claim's words. */
export function towardsVerbClaim(words: string): boolean {
  return VERB_CLAIM_WORDS.some((w) => w.startsWith(words));
}
