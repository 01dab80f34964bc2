/**
 * Call and return claims: the generator's trained answers say what a function calls and returns in three forms,
 * "`A` [n] calls `B` [m]" and "`A` [n] calls `B` in `path` [m]" (the synthesized complex QA: a caller and its
 * callee), and "`A` returns `X` [n]" (simple QA: a return expression as written). Such a claim is true when a block
 * read defines A and calls B (the callee as written, without `self.` / `cls.`, or its last dotted part), or has
 * `return X`. A block is a chunk: a class chunk's calls count for the class and for each method it holds, a reading
 * that can only make a claim true too easily, never too hard.
 *
 * This module reads what each block calls and returns, the claims of an answer (for the evaluation's
 * `relations_true`), the slot a partial answer is in and how far a verb being written has gone (for grounded
 * decoding, which keeps these claims true while they are written and refuses their verb for a name no block gives
 * calls or returns for: grounded-spans.ts). Before it, 6 of 435 answers on SWE-QA and SWE-bench Lite used the verbs,
 * unchecked: "`__init__`; calls get, get [1].", "`URLValidator.__call__`, `re.search`; calls set tom." (docs/MODEL.md,
 * "Calls and returns kept true").
 */
import { collapseSpace, definedNames, namesDefinition } from './quotable-names';
import { objectSlot, spanClaims } from './span-claims';

export type RelationVerb = 'calls' | 'returns';

/** What one block read lets a relation claim say: the names it defines, the callees it calls, what it returns. */
export interface BlockRelations {
  defined: Set<string>;
  calls: Set<string>;
  returns: Set<string>;
}

/** A call: a name or dotted chain right before "(". */
const CALL = /([\p{L}_$][\p{L}\p{N}_$]*(?:\.[\p{L}_$][\p{L}\p{N}_$]*)*)\s*\(/gu;
/** Words a "(" follows that are not calls: statements, and the definition keywords (`def f(` defines f). */
const NOT_CALLED = new Set(['if', 'elif', 'while', 'for', 'return', 'and', 'or', 'not', 'in', 'is', 'with', 'assert',
  'yield', 'await', 'lambda', 'except', 'raise', 'del', 'print', 'switch', 'catch', 'typeof', 'new', 'function']);
const DEFINES = /\b(?:def|class|function|func)\s+$/;
/** `return X` to the end of its line (a comment cut off), in any language with the keyword. */
const RETURN = /\breturn\s+([^\n#]+)/g;
/** The longest return expression a claim may quote (the trained answers cut theirs at 36 characters). */
const MAX_RETURN_CHARS = 60;

/** Whether every bracket in `expr` closes, in order: a return that runs onto the next line is not quoted cut. */
function balanced(expr: string): boolean {
  const stack: string[] = [];
  const pairs: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
  for (const ch of expr) {
    if ('([{'.includes(ch)) stack.push(ch);
    else if (ch in pairs && stack.pop() !== pairs[ch]) return false;
  }
  return stack.length === 0;
}

/** What a block (its source: path line, symbol line, then its text) defines, calls and returns. */
export function blockRelations(source: string): BlockRelations {
  const code = source.split('\n').slice(2).join('\n');
  const calls = new Set<string>();
  for (const m of code.matchAll(CALL)) {
    const name = m[1];
    const head = name.split('.', 1)[0];
    if (NOT_CALLED.has(head) || DEFINES.test(code.slice(Math.max(0, m.index! - 12), m.index))) continue;
    calls.add(name);
    const own = name.replace(/^(?:self|cls|this)\./, '');
    calls.add(own);
    calls.add(name.slice(name.lastIndexOf('.') + 1));
  }
  const returns = new Set<string>();
  for (const m of code.matchAll(RETURN)) {
    const expr = collapseSpace(m[1]).trim().replace(/;$/, '').trim();
    if (expr !== '' && expr.length <= MAX_RETURN_CHARS && balanced(expr)) returns.add(expr);
  }
  return { defined: definedNames(source), calls, returns };
}

/** What the blocks that define `name` say it calls or returns (empty when none defines it). */
export function relationObjects(name: string, verb: RelationVerb, blocks: readonly BlockRelations[]): Set<string> {
  const out = new Set<string>();
  for (const b of blocks) {
    if (!namesDefinition(name, b.defined)) continue;
    for (const o of verb === 'calls' ? b.calls : b.returns) out.add(o);
  }
  return out;
}

/** The words between a claim's subject and its object, up to the object's opening tick. */
export const RELATION_WORDS: Record<RelationVerb, string> = { calls: ' calls ', returns: ' returns ' };
const CLAIM_WORDS = /^(?: \[\d+\])?;? (calls|returns) $/;
/** Words after a span (past a marker or ";") that start a relation verb. */
const VERB_START = /^(?: \[\d+\])?;? (?:cal|ret)/;

export interface RelationClaim {
  /** The span the claim is about (the nearest before the verb). */
  name: string;
  verb: RelationVerb;
  /** The span after the verb: a callee or a return expression. */
  object: string;
}

/** The claims of an answer: a span, a verb's words, and the span that follows them. */
export function relationClaims(answer: string): RelationClaim[] {
  return spanClaims(answer, CLAIM_WORDS)
    .map((c) => ({ name: c.name, verb: c.words[1] as RelationVerb, object: collapseSpace(c.object) }));
}

/** Share of an answer's call and return claims that the blocks read make true; null when it makes none. */
export function relationClaimsTrue(answer: string, blocks: readonly BlockRelations[]): number | null {
  const claims = relationClaims(answer);
  if (claims.length === 0) return null;
  return claims.filter((c) => relationObjects(c.name, c.verb, blocks).has(c.object)).length / claims.length;
}

/** The claim a span opened after `before` is the object of, when `before` ends with a span and a verb's words. */
export function relationSlot(before: string): { name: string; verb: RelationVerb } | null {
  const slot = objectSlot(before, CLAIM_WORDS);
  return slot && { name: slot.name, verb: slot.words[1] as RelationVerb };
}

/**
 * The relation verb a text is writing, after a closed span: its subject, the verb it is on its way to, and the words
 * so far from the verb's space (" cal", marker and ";" dropped); null when the words after the last span do not
 * start one.
 */
export function relationInProgress(text: string): { name: string; verb: RelationVerb; words: string } | null {
  const seg = text.split('`');
  if (seg.length % 2 === 0 || seg.length < 3) return null;
  const tail = seg[seg.length - 1];
  if (!VERB_START.test(tail)) return null;
  const words = tail.replace(/^(?: \[\d+\])?;?/, '');
  return { name: seg[seg.length - 2], verb: words.startsWith(' cal') ? 'calls' : 'returns', words };
}

/** Whether `words` (from the verb's space) can still become its claim's words, up to the object's tick. */
export function towardsRelation(verb: RelationVerb, words: string): boolean {
  return RELATION_WORDS[verb].startsWith(words);
}
