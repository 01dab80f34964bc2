/**
 * Whether an answer reads as words and names, in the forms the generator was trained on. Grounded decoding keeps
 * what an answer quotes and claims true (grounded-spans.ts); refusing a token there hands the step to the model's
 * next choice, and that choice can be junk. Measured on the shipped bundle's SWE-QA and SWE-bench Lite answers
 * (29 Nov 2026, docs/MODEL.md "Answers that read as words"): after "inherits" was refused for names with no declared
 * bases, the model wrote "`TestCaseFunction` inherate", "`_format` inherate_", "`Bugs` inherybabel.check_or…"; after
 * the end was refused on "`Field` in", it wrote "`Field` in [1]." or "in_in_in_…". This module names those faults,
 * for the evaluation's `well_formed` column and for the rule that now prevents most of them.
 */
import { VERB_CLAIM_WORDS, verbInProgress } from './inheritance-claims';
import { isLocatorWords } from './locator-claims';

/** A word outside backticks, its markers and surrounding punctuation aside, must be letters (hyphenated) or a number. */
const PLAIN_WORD = /^(?:[A-Za-z]+(?:-[A-Za-z]+)*|[0-9]+)$/;
const LEADING_PUNCT = /^[(["']+/;
const TRAILING_PUNCT = /[.,;:!?)\]"']+$/;
const MARKER = /\[\d*\]?/g;

/**
 * Whether a word written outside backticks reads as code or junk rather than a word: an underscore, a dot or quote
 * inside it, a lower-to-upper case change (`inherlyUsed`), letters and digits mixed. A word with a "/" is a path,
 * which the rule holds to its own check. Works on a partial word as well (each prefix of a plain word is plain).
 */
export function codeLikeWord(word: string): boolean {
  if (word.includes('/')) return false;
  const core = word.replace(MARKER, '').replace(LEADING_PUNCT, '').replace(TRAILING_PUNCT, '');
  return core !== '' && (!PLAIN_WORD.test(core) || /[a-z][A-Z]/.test(core));
}

/** Whether `text` has said anything yet: a letter, a digit or a quoted name, markers aside. */
export function saysSomething(text: string): boolean {
  return /[\p{L}\p{N}`]/u.test(text.replace(MARKER, ''));
}

/** English words an inheritance verb's first letters may also begin (so not junk), the claim's own among them. */
const VERB_WORD = /^(?:inherit(?:s|ed|ing|ance)?|deriv(?:e|es|ed|ing|ation))$/;

/**
 * Whether the first word after a name may be `word` so far, of the words that begin "in": trained answers put only
 * "in" (a locator claim) and "inherits" there. Refused "her" after "`X` in", the model wrote "inoled", "inrides",
 * "inprinter." (docs/MODEL.md, "Answers that read as words").
 */
export function firstInWordOk(word: string): boolean {
  return !word.startsWith('in') || 'inherits'.startsWith(word) || VERB_WORD.test(word);
}

/** The first word after the last closed span of `text` (past a marker), when `text` is still on it; else null. */
export function firstWordAfterName(text: string): string | null {
  const seg = text.split('`');
  if (seg.length % 2 === 0 || seg.length < 3) return null;
  return /^(?: \[\d+\])? ([A-Za-z]+)$/.exec(seg[seg.length - 1])?.[1] ?? null;
}

/** The text with each span (an unclosed last one too) replaced by "N", so only what is outside backticks is read. */
function outsideText(text: string): string {
  return text.split('`').map((part, i) => (i % 2 === 0 ? part : 'N')).join('');
}

/** Outside backticks: how many "(" no ")" has closed yet, and how many ")" closed nothing. */
function parens(text: string): { open: number; stray: number } {
  let open = 0;
  let stray = 0;
  for (const ch of outsideText(text)) {
    if (ch === '(') open++;
    else if (ch === ')') {
      if (open === 0) stray++;
      else open--;
    }
  }
  return { open, stray };
}

/** Whether `text` (outside a span) has a "(" that no ")" has closed yet. */
export function openParen(text: string): boolean {
  return parens(text).open > 0;
}

/** Whether `text` ends on a "," or ";" that still needs what it lists: a marker or the end may not come next. */
export function listAwaitsItem(text: string): boolean {
  return /[,;]\s*$/.test(text) && !text.endsWith('`');
}

/** Whether `text` (outside a span) ends with a citation marker, so that another may not follow it. */
export function markerJustClosed(text: string): boolean {
  return /\[\d+\]\s*$/.test(outsideText(text));
}

export type FormFault = 'says-nothing' | 'junk-word' | 'half-claim' | 'loose-punctuation';

/**
 * What is wrong with an answer's form, if anything:
 * - `says-nothing`: no word and no name ("", "[1].");
 * - `junk-word`: a word outside backticks that reads as code or junk (codeLikeWord), or, right after a name, a word
 *   that starts an inheritance verb and is not one ("`X` inherate") or starts "in" and is neither "in" nor a form of
 *   "inherit" ("`X` inoled"; so an English "`X` initializes" counts too, a form no trained answer has);
 * - `half-claim`: a claim's words not followed by what they need ("`X` in [1].", "`X` in", "`X` inherits [1].",
 *   "`X` [1] calls").
 * - `loose-punctuation`: a ")" outside backticks that closes nothing ("`run`) [1]."), a "," / ";" followed by
 *   a marker or the end ("`Skip`, [1].", "`was_modified_since`,"), or a marker right after a marker ("`f` [1] [1].").
 */
export function answerFormFaults(answer: string): FormFault[] {
  const faults = new Set<FormFault>();
  if (!saysSomething(answer)) faults.add('says-nothing');
  if (parens(answer).stray > 0) faults.add('loose-punctuation');
  if (/[,;]\s*(?:\[\d+\]|$)/.test(outsideText(answer))) faults.add('loose-punctuation');
  if (/\[\d+\]\s*\[/.test(outsideText(answer))) faults.add('loose-punctuation');
  // Verbs whose object the trained answers always give ("`f` [1] calls `g`", "calls a, b; raises E").
  if (/\b(?:calls|returns|raises|sets)\s*(?:\[\d+\]|\.|$)/.test(outsideText(answer))) faults.add('half-claim');
  const seg = answer.split('`');
  const closed = seg.length % 2 === 1 ? seg.length : seg.length - 1;
  for (let i = 0; i < closed; i += 2) {
    if (seg[i].split(/\s+/).some(codeLikeWord)) faults.add('junk-word');
    if (i === 0) continue;
    const spanFollows = i + 1 < closed;
    const first = /^(?: \[\d+\])? ([A-Za-z]+)/.exec(seg[i])?.[1];
    if (first !== undefined && !firstInWordOk(first)) faults.add('junk-word');
    const verb = verbInProgress(seg.slice(0, i + 1).join('`'));
    if (verb) {
      const word = /^ (\S*)/.exec(verb.words)![1].replace(TRAILING_PUNCT, '');
      if (!VERB_WORD.test(word)) faults.add('junk-word');
      else if (['inherits', 'derives'].includes(word) && !(VERB_CLAIM_WORDS.includes(verb.words) && spanFollows)) faults.add('half-claim');
    }
    const locator = /^((?: [A-Za-z]+)* in)(?![A-Za-z])(.*)$/s.exec(seg[i]);
    if (locator && isLocatorWords(locator[1]) && !(locator[2] === ' ' && spanFollows) && /^\s*(?:$|\[|[.,;:])/.test(locator[2])) {
      faults.add('half-claim');
    }
  }
  return [...faults];
}
