/**
 * Grounded decoding: whatever the generator writes between backticks (a name, a path, a call, a value) must be one
 * of the names found in the chunks it was given (quotable-names.ts). The generator still reads only the memories;
 * this rule reads the text of those chunks from the workspace (redacted as the chunker redacts it) and, at each step,
 * takes the most likely token that keeps every backticked span on the way to such a name, not already quoted in the
 * same answer. Words outside backticks are left to the model, except paths (words with a "/"), which must be
 * pieces of that text, and citation markers: a "[" outside backticks opens a marker, which must cite a block the
 * generator was given ("[1]" to "[k]") and close before anything else is written.
 *
 * Locator claims ("`name` in `path` [n]", the form the generator is trained to locate code in; locator-claims.ts) are
 * kept true. The answer's first span names a definition of the highest-ranked block (the block the model cites in
 * almost every answer; leadNames below). The span after " in " is the path of the highest-ranked block that holds
 * the name, written in the fewest tokens. The marker must follow the path and cite a block in that file that holds
 * the name. Before this, 98 % of the claims in SWE-QA and SWE-bench Lite answers were false: a file the cited block
 * is not in, or a word of the code written as a path (docs/MODEL.md, "Grounded decoding"). Inheritance claims
 * ("`A` inherits from `B`", "`A` derives from `B`"; inheritance-claims.ts) likewise: the base must be one the blocks
 * declare for class A, and the verb is refused for a name no block gives bases for. Call and return claims ("`A`
 * calls `B`", "`A` returns `X`"; relation-claims.ts) too: the object is a callee or return expression of a block that
 * defines A, and the verb is refused where there is none. And an answer stays words and
 * names in the trained forms (answer-form.ts): a refused token hands the step to the model's next choice, which
 * wrote junk ("`X` inherate", "`Field` in [1].") until the words outside backticks were held too.
 *
 * Why: a from-scratch generator this small names files and symbols from its training corpus rather than from the
 * memories (measured on SWE-QA before this rule: 2 of 127 answers' backticked names occurred in the chunks read;
 * docs/MODEL.md, "Grounded decoding"). An answer that names a file the workspace does not have is worse than one
 * that says less. Markers likewise: tiny-broad-long opened 22 of 281 SWE-QA answers' markers without closing them
 * ("[1`will`"), which the display could only drop (citation-markers.ts).
 */
import type { DecodingRule, TextTokenizer } from '../engine-parts';
import {
  codeLikeWord, firstInWordOk, firstWordAfterName, listAwaitsItem, markerJustClosed, openParen, saysSomething,
} from './answer-form';
import { basesOf, baseSlot, classBases, towardsVerbClaim, VERB_CLAIM_WORDS, verbInProgress } from './inheritance-claims';
import { awaitsPath, ClaimSlots, locatorWordsAllow } from './locator-claims';
import {
  blockRelations, type BlockRelations, RELATION_WORDS, relationInProgress, relationObjects, relationSlot, towardsRelation,
} from './relation-claims';
import { collapseSpace, definedNames, NameSet, namesDefinition, quotableNames, WORD_CHAR } from './quotable-names';

/** A backticked span longer than this is cut off: nothing the model should quote in an answer is that long. */
export const MAX_SPAN_CHARS = 96;
/** Candidates tried in logit order before every token of the vocabulary is considered. */
const SHORTLIST = 64;

/** How a name (an identifier, a dotted chain, a call, a path) starts, unlike a number or a string literal. */
const NAME_START = /^[\p{L}_$]/u;
/** How far pick() has relaxed the rule at a dead end. */
type Relax = 'strict' | 'repeats' | 'any-close';
const isWord = (ch: string | undefined): boolean => ch !== undefined && WORD_CHAR.test(ch);

/** The text spans are checked against: every source with runs of whitespace collapsed to one space. */
export function groundingText(sources: readonly string[]): string {
  // Trimmed, so that a span never grows into whitespace that only ends a source (a dead end: nothing can follow).
  return sources.map((s) => collapseSpace(s).trim()).join('\n');
}

/**
 * True when `span` occurs in `text` starting on a word boundary (and, when `complete`, also ending on one): `http`
 * is a piece of `http.client`, `ttp` is not, and a closed span `htt` is not a name.
 */
export function occursAligned(text: string, span: string, complete: boolean): boolean {
  if (span === '') return !complete;
  for (let i = text.indexOf(span); i >= 0; i = text.indexOf(span, i + 1)) {
    const startsClean = !isWord(span[0]) || !isWord(text[i - 1]);
    const endsClean = !complete || !isWord(span[span.length - 1]) || !isWord(text[i + span.length]);
    if (startsClean && endsClean) return true;
  }
  return false;
}

/** What a memory block lets an answer quote: its path, its symbol and its text, in the form the names are read from. */
export function blockSource(block: { path: string; symbol: string | null }, text: string): string {
  return [block.path, block.symbol ?? '', text].join('\n');
}

/** The backticked spans of an answer, in order (an unclosed last span is not one). */
export function backtickSpans(answer: string): string[] {
  return [...answer.matchAll(/`([^`]*)`/g)].map((m) => m[1]);
}

/** Whether an answer's backticked spans all occur in `sources` as word-aligned pieces. */
export function ungroundedSpans(answer: string, sources: readonly string[]): string[] {
  const text = groundingText(sources);
  return backtickSpans(answer).filter((s) => !occursAligned(text, collapseSpace(s), true));
}

/** Each token id's own text (byte-level pieces of a character decode to U+FFFD), built once per tokenizer. */
const TOKEN_TEXTS = new WeakMap<TextTokenizer, string[]>();

function tokenTexts(tokenizer: TextTokenizer, vocab: number): string[] {
  let texts = TOKEN_TEXTS.get(tokenizer);
  if (!texts || texts.length < vocab) {
    texts = Array.from({ length: vocab }, (_, id) => tokenizer.decode([id]));
    TOKEN_TEXTS.set(tokenizer, texts);
  }
  return texts;
}

export class GroundedSpanRule implements DecodingRule {
  /** The rule for the memory blocks a generator is given, each block's text read by `textOf`. */
  static forBlocks<B extends { path: string; symbol: string | null }>(
    tokenizer: TextTokenizer, blocks: readonly B[], textOf: (block: B) => string, eosId: number,
  ): GroundedSpanRule {
    return new GroundedSpanRule(tokenizer, blocks.map((b) => blockSource(b, textOf(b))), eosId);
  }

  private readonly text: string;
  private readonly names: NameSet;
  /** The names of the first block (the highest-ranked): what an answer's first span may be. */
  private readonly leadNames: NameSet;
  private readonly checked = new Map<string, boolean>();
  /** Tokens each claim path takes to write, with its closing tick (claimFits). */
  private readonly pathTokens = new Map<string, number>();

  /** The number of memory blocks the generator reads: a marker cites one of 1..blocks. */
  private readonly blocks: number;
  /** What locator claims may say of the blocks. */
  private readonly claims: ClaimSlots;
  /** The bases each block's classes declare, for inheritance claims. */
  private readonly bases: Array<Map<string, Set<string>>>;
  /** What each block defines, calls and returns, for call and return claims. */
  private readonly relations: BlockRelations[];
  /** Tokens the shortest object of a relation claim takes with its verb's words (relationFits), by subject and verb. */
  private readonly relationTokens = new Map<string, number>();

  constructor(private readonly tokenizer: TextTokenizer, sources: readonly string[], private readonly eosId: number) {
    this.blocks = sources.length;
    this.text = groundingText(sources);
    const blockNames = sources.map((s) => new Set(quotableNames([s])));
    this.claims = new ClaimSlots(sources.map((s) => s.split('\n', 1)[0].trim()), blockNames);
    this.bases = sources.map((s) => classBases(s.split('\n').slice(2).join('\n')));
    this.relations = sources.map(blockRelations);
    this.names = new NameSet([...new Set(blockNames.flatMap((n) => [...n]))].sort());
    this.leadNames = this.blocks > 0 ? new NameSet(leadNames(blockNames[0], definedNames(sources[0]))) : this.names;
  }

  /**
   * The most likely token that keeps the answer grounded. A span can reach a dead end (the only names it leads to
   * are already quoted); then the rule relaxes one step at a time: a repeat may close it, then any piece of the text
   * may close it. Only if even that is impossible (never seen) is the plain argmax taken.
   */
  pick(logits: Float32Array, ids: readonly number[], last = false, left = last ? 0 : Infinity): number {
    const texts = tokenTexts(this.tokenizer, logits.length);
    const sofar = this.tokenizer.decode([...ids]);
    const state = this.withClaims(stateAfter(sofar, last, left), sofar);
    const quoted = new Set(backtickSpans(sofar).map(collapseSpace));
    const best = argmax(logits);
    let order: number[] | null = null;
    if (state.open && state.spanChoices) {
      const left = state.spanChoices.filter((c) => c.startsWith(state.span));
      if (left.length === 1) {
        const step = this.longestStep(state, quoted, left[0], logits, texts);
        if (step >= 0) return step;
      }
    }
    for (const relax of ['strict', 'repeats', 'any-close'] as const) {
      const allowed = (id: number) => this.allows(state, quoted, relax, id === this.eosId ? null : texts[id]);
      if (allowed(best)) return best;
      if (state.open && texts[best].startsWith('`')) {
        // The model would close the span, but it is not a name yet: finish the nearest name rather than follow the
        // likeliest long one (which ran "`_process_docstring(app: Sphinx, what: str, …" to the length limit, and an
        // unclosed span is dropped with the answer it was).
        const finish = this.nearestName(state, quoted, relax, logits, texts);
        if (finish >= 0) return finish;
      }
      order ??= topIndices(logits, SHORTLIST);
      for (const id of order) if (allowed(id)) return id;
      // The whole vocabulary, best logit first without sorting it: only a token that beats the best allowed so far
      // is checked, and inside a span only tokens whose first character can continue it.
      const starts = state.open ? this.nextChars(state.span, state.spanChoices, state.lead) : null;
      let found = -1;
      for (let id = 0; id < logits.length; id++) {
        if (found >= 0 && logits[id] <= logits[found]) continue;
        if (starts && !starts.has(texts[id][0])) continue;
        if (allowed(id)) found = id;
      }
      if (found >= 0) return found;
    }
    return best;
  }

  /**
   * A claim's object that can only be `target` now: the allowed token that writes most of what is left of it (its
   * closing tick included), the likeliest among equals; -1 when none does. Following the logits instead spelled
   * "src/billing/invoice_rounding.py" a letter at a time, and the length limit cut it off.
   */
  private longestStep(state: State, quoted: ReadonlySet<string>, target: string, logits: Float32Array, texts: string[]): number {
    const rest = `${target.slice(state.span.length)}\``;
    let found = -1;
    for (let id = 0; id < logits.length; id++) {
      const piece = texts[id];
      if (piece === '' || !rest.startsWith(piece)) continue;
      if (found >= 0 && (piece.length < texts[found].length || (piece.length === texts[found].length && logits[id] <= logits[found]))) continue;
      if (this.allows(state, quoted, 'strict', piece)) found = id;
    }
    return found;
  }

  /**
   * The allowed token that leaves the open span closest to a name it may close on (fewest characters still to write),
   * the likeliest among equals; -1 when no token leads to one.
   */
  private nearestName(
    state: State, quoted: ReadonlySet<string>, relax: Relax, logits: Float32Array, texts: string[],
  ): number {
    const starts = this.nextChars(state.span, state.spanChoices, state.lead);
    let found = -1;
    let fewest = Infinity;
    for (let id = 0; id < logits.length; id++) {
      const piece = texts[id];
      if (piece === '' || piece.includes('`') || !starts.has(piece[0])) continue;
      const span = collapseSpace(state.span + piece);
      const toGo = this.charsToName(span, quoted, relax, state);
      if (toGo === Infinity || toGo > fewest || (toGo === fewest && logits[id] <= logits[found])) continue;
      if (this.allows(state, quoted, relax, piece)) { found = id; fewest = toGo; }
    }
    return found;
  }

  /** How many characters `span` still needs to be a name it may close on (Infinity when it leads to none). */
  private charsToName(span: string, quoted: ReadonlySet<string>, relax: Relax, state: State): number {
    const closing = relax === 'any-close' ? 'repeats' : relax;
    let fewest = Infinity;
    for (const name of this.namesFrom(span, state.spanChoices, state.lead)) {
      const toGo = name.length - span.length;
      if (toGo < fewest && this.closes(name, quoted, closing, false, state.spanChoices, state.lead)) fewest = toGo;
    }
    return fewest;
  }

  /** Whether appending `piece` (null = end of answer) keeps the answer grounded. */
  private allows(state: State, quoted: ReadonlySet<string>, relax: Relax, piece: string | null): boolean {
    // A special token other than the end writes nothing: never progress.
    if (piece === '') return false;
    if (piece === null) {
      const ended = !state.open && state.marker === null && this.pathWordOk(state.word, true);
      // Nor with a claim half made: "`name` in" without its path, "`name` in `path`" without its marker, "`A`
      // inherits" without its base, a "," without what it lists; nor before anything is said.
      return ended && !awaitsPath(state.text) && !this.claims.awaitsMarker(state.text, state.last)
        && verbInProgress(state.text) === null && relationInProgress(state.text) === null && saysSomething(state.text)
        && !listAwaitsItem(state.text);
    }
    let { open, span, word, justClosed, marker, spanChoices, markerChoices, text, lead } = state;
    for (const ch of piece) {
      if (marker !== null) {
        // An open marker takes the digits of a block number, then "]"; nothing else.
        if (ch === ']' && marker.length > 1 && (!markerChoices || markerChoices.has(Number(marker.slice(1))))) marker = null;
        else if (/[0-9]/.test(ch) && this.isBlock(marker.slice(1) + ch, markerChoices)) marker += ch;
        else return false;
        justClosed = false;
        word += ch;
        text += ch;
        continue;
      }
      // A claim's path is followed by its marker (" [n]"), as in every answer the generator was trained on.
      const towardsMarker = ch === '[' || (ch === ' ' && text.endsWith('`'));
      if (!open && !towardsMarker && this.claims.awaitsMarker(text, state.last)) return false;
      if (!open && !this.claimWordsAllow(text, ch, state.left)) return false;
      if (ch === '`') {
        if (open && !this.closes(span, quoted, relax, state.last, spanChoices, lead)) return false;
        if (!open && !this.pathWordOk(word, true)) return false;
        // "`a``b`" reads as one code span to Markdown: two names need something between them.
        if (!open && justClosed) return false;
        spanChoices = open ? null : this.spanChoices(text);
        lead = !open && !text.includes('`');
        justClosed = open;
        open = !open;
        span = '';
        word = '';
      } else if (open) {
        justClosed = false;
        // One line, no leading or doubled whitespace: a quoted span reads exactly as the name it is.
        if (ch === '\uFFFD' || /[\r\n]/.test(ch) || (/\s/.test(ch) && (span === '' || span.endsWith(' ')))) return false;
        span = collapseSpace(span + ch);
        if (span.length > MAX_SPAN_CHARS) return false;
        if (spanChoices) {
          // A claim's object: towards the path or base it may be (repeats allowed: two names, one file).
          if (!spanChoices.some((p) => p.startsWith(span))) return false;
        } else if (!this.nameSet(lead).extends(span, relax === 'strict' ? quoted : undefined)) {
          // Only towards a name not yet quoted (strictly), so that a span cannot walk into a dead end.
          return false;
        }
      } else if (/\s/.test(ch)) {
        justClosed = false;
        if (!this.pathWordOk(word, true)) return false;
        word = '';
      } else {
        justClosed = false;
        // Punctuation that closes or lists nothing: a ")" with no "(" open, a marker right after "," or ";" or right
        // after another marker ("… [1] [1].", where "calls" had been refused).
        if ((ch === ')' && !openParen(text)) || (ch === '[' && (listAwaitsItem(text) || markerJustClosed(text)))) return false;
        if (ch === '[') {
          marker = '[';
          markerChoices = this.claims.markerChoices(text);
        }
        word += ch;
        // A word, not code or junk ("inherate_", "in_in_in"): a name is quoted, a path is checked as one.
        if (!this.pathWordOk(word, false) || codeLikeWord(word)) return false;
      }
      text += ch;
    }
    // Nor a marker left open where the tokens left cannot close it (a number, then "]": two tokens from a bare "[").
    if (marker !== null && state.left < (marker.length > 1 ? 1 : 2)) return false;
    // The last token should close an open span with a name; a fragment is never closed for it (answering then drops
    // the unfinished span: answer/quoted-span-filter.ts).
    if (state.last && open && relax !== 'any-close') return false;
    // A piece that only adds whitespace or special-token text inside a span, or nothing to an open marker, makes no
    // progress.
    if (state.marker !== null && marker === state.marker) return false;
    return !(state.open && open && span === state.span && !piece.includes('`'));
  }

  /**
   * Whether `digits` is, or begins, the number of a block the generator was given (no leading zero) and, in a
   * locator claim's marker, of one of `choices`.
   */
  private isBlock(digits: string, choices: ReadonlySet<number> | null): boolean {
    if (digits.startsWith('0') || Number(digits) < 1 || Number(digits) > this.blocks) return false;
    return !choices || [...choices].some((n) => String(n).startsWith(digits));
  }

  /** Characters that can follow `span` inside backticks: the next character of a name it starts, or the closing tick. */
  private nextChars(span: string, spanChoices: readonly string[] | null, lead: boolean): Set<string> {
    const chars = new Set(['`']);
    for (const name of this.namesFrom(span, spanChoices, lead)) if (name.length > span.length) chars.add(name[span.length]);
    return chars;
  }

  private closes(
    span: string, quoted: ReadonlySet<string>, relax: Relax, last: boolean, spanChoices: readonly string[] | null, lead: boolean,
  ): boolean {
    if (relax === 'any-close') return !last && WORD_CHAR.test(span) && this.occurs(span, false);
    if (spanChoices) return spanChoices.includes(span);
    return closable(span) && (relax === 'repeats' || !quoted.has(span)) && this.nameSet(lead).has(span);
  }

  /** The names an answer's first span (`lead`) or any other span may be. */
  private nameSet(lead: boolean): NameSet {
    return lead ? this.leadNames : this.names;
  }

  /** The names an open span may still become: its claim object's choices, or the names its place allows. */
  private namesFrom(span: string, spanChoices: readonly string[] | null, lead: boolean): Iterable<string> {
    return spanChoices ? spanChoices.filter((p) => p.startsWith(span)) : this.nameSet(lead).startingWith(span);
  }

  /**
   * What a span opened after `before` must be, if it is a claim's object: a locator claim's path
   * (locator-claims.ts), or one of the bases the blocks declare for the class an inheritance claim names
   * (inheritance-claims.ts), or what the blocks that define a call or return claim's subject call or return
   * (relation-claims.ts). Repeats are allowed there. Null for any other span.
   */
  private spanChoices(before: string): string[] | null {
    const path = this.claims.pathChoices(before);
    if (path) return path;
    const cls = baseSlot(before);
    const bases = cls === null ? [] : [...basesOf(cls, this.bases)];
    if (bases.length > 0) return bases;
    const relation = relationSlot(before);
    const objects = relation === null ? [] : [...relationObjects(relation.name, relation.verb, this.relations)].sort();
    return objects.length > 0 ? objects : null;
  }

  /**
   * Whether `ch` may follow `text` outside a span, by the words of claims. A marker needs something said before it.
   * An inheritance verb ("inh…", "der…" right after a name) is refused from its first letters for a class no block
   * gives bases for, and must go on as " inherits from " / " derives from " up to its base's tick: refusing only the
   * last letter of "inherits" left the model writing "`TestCaseFunction` inherate" (docs/MODEL.md, "Answers that
   * read as words"). A locator's " in" must go on to its path (locatorWordsAllow), and the first word after a name
   * that begins "in" must be "in" or that verb (firstInWordOk). Nor is a locator's " in" written where the tokens
   * `left` after this one cannot hold its path and marker (claimFits). "calls" and "returns" after a name likewise
   * (from " cal", " ret"): refused where no block that defines the name calls or returns anything, held to
   * " calls " / " returns " up to the object's tick, and begun only where the tokens left hold an object
   * (relationFits).
   */
  private claimWordsAllow(text: string, ch: string, left: number): boolean {
    if (ch === '[' && !saysSomething(text)) return false;
    const verb = verbInProgress(text);
    if (verb) return ch === '`' ? VERB_CLAIM_WORDS.includes(verb.words) : towardsVerbClaim(verb.words + ch);
    const relation = relationInProgress(text);
    if (relation) {
      return ch === '`' ? relation.words === RELATION_WORDS[relation.verb] : towardsRelation(relation.verb, relation.words + ch);
    }
    const startingRelation = relationInProgress(text + ch);
    if (startingRelation) {
      return towardsRelation(startingRelation.verb, startingRelation.words) && this.relationFits(startingRelation, left);
    }
    const first = firstWordAfterName(text + ch);
    if (first !== null && !firstInWordOk(first)) return false;
    const starting = verbInProgress(text + ch);
    if (starting) return towardsVerbClaim(starting.words) && basesOf(starting.cls, this.bases).size > 0;
    if (ch === 'n' && awaitsPath(text + ch) && !this.claimFits(text + ch, left)) {
      // Unless "in" is on its way to "inherits" for a class with bases.
      return first === 'in' && basesOf(text.split('`').at(-2) ?? '', this.bases).size > 0;
    }
    return locatorWordsAllow(text, ch);
  }

  /**
   * Whether a locator claim whose words end `text` (" in") can be finished in `left` more tokens: " `", its path
   * and tick as the tokenizer writes them, " [", the number and "]". Django's migrations have paths of 30-40
   * tokens ("contrib/auth/migrations/0008_alter_user_username_max_length.py"); begun with too few tokens left, the
   * claim was cut off at the length limit and the answer ended "`migrations.Migration` in".
   */
  private claimFits(text: string, left: number): boolean {
    if (!Number.isFinite(left)) return true;
    const path = this.claims.pathChoices(`${text} `)?.[0];
    if (path === undefined) return true;
    let tokens = this.pathTokens.get(path);
    if (tokens === undefined) {
      tokens = this.tokenizer.count(`${path}\``);
      this.pathTokens.set(path, tokens);
    }
    return left >= tokens + 4;
  }

  /**
   * Whether a call or return claim about `name` has an object here, and the tokens `left` after the one that begins
   * its verb can write the rest of the verb and the shortest object with its ticks. Begun with too few tokens left,
   * an answer ended "… [1] calls" at the length limit.
   */
  private relationFits(relation: { name: string; verb: 'calls' | 'returns' }, left: number): boolean {
    const key = `${relation.verb} ${relation.name}`;
    let tokens = this.relationTokens.get(key);
    if (tokens === undefined) {
      const objects = [...relationObjects(relation.name, relation.verb, this.relations)];
      tokens = Math.min(...objects.map((o) => this.tokenizer.count(`${RELATION_WORDS[relation.verb]}\`${o}\``)));
      this.relationTokens.set(key, tokens);
    }
    return Number.isFinite(tokens) && left >= tokens - 1;
  }

  /** The state with the locator claim it is in, if any: an open claim path's choices, an open claim marker's blocks. */
  private withClaims(state: State, text: string): State {
    const spanChoices = state.open ? this.spanChoices(text.slice(0, text.lastIndexOf('`'))) : null;
    const markerChoices = state.marker !== null
      ? this.claims.markerChoices(text.slice(0, text.length - state.marker.length))
      : null;
    return { ...state, spanChoices, markerChoices };
  }


  /**
   * A path written outside backticks (a word with a "/", as when the model's backticks fell out of step with what
   * it meant to quote) is held to the same rule as a quoted one.
   */
  private pathWordOk(word: string, complete: boolean): boolean {
    if (!word.includes('/')) return true;
    const bare = word.replace(/^[([{'"]+/, '').replace(/[.,;:!?)\]}'"]+$/, '');
    return !bare.includes('/') || this.occurs(bare, complete);
  }

  private occurs(span: string, complete: boolean): boolean {
    const key = `${complete ? 1 : 0}${span}`;
    let ok = this.checked.get(key);
    if (ok === undefined) {
      ok = occursAligned(this.text, span, complete);
      this.checked.set(key, ok);
    }
    return ok;
  }
}

/**
 * What an answer's first span may be, of the names of the block it names: every trained answer that starts with a
 * span starts with a definition of its block ("`Flask.open_resource` in `app.py` [1].", "`load(path)` [1]."), so the
 * names that name one; a block that defines nothing gives its names that are not literals.
 */
function leadNames(names: ReadonlySet<string>, defined: ReadonlySet<string>): string[] {
  const definitions = [...names].filter((n) => NAME_START.test(n) && namesDefinition(n, defined));
  return (definitions.length > 0 ? definitions : [...names].filter((n) => NAME_START.test(n))).sort();
}

/** A quoted span worth closing: something with a letter, digit or underscore, not starting or ending in a space. */
function closable(span: string): boolean {
  return WORD_CHAR.test(span) && !/^\s|\s$/.test(span);
}

interface State {
  /** Inside a backticked span. */
  open: boolean;
  /** The text so far ends with the backtick that closed a span. */
  justClosed: boolean;
  /** No token follows the one being chosen. */
  last: boolean;
  /** How many tokens may still follow the one being chosen (0 on the last; Infinity when the caller does not say). */
  left: number;
  /** The open span so far (whitespace collapsed). */
  span: string;
  /** Outside a span: the word being written (since the last whitespace or backtick). */
  word: string;
  /** Outside a span: an open citation marker ("[" and its digits so far), or null. */
  marker: string | null;
  /** The answer so far. */
  text: string;
  /** An open span that is a claim's object (a locator's path, an inheritance claim's base): what it may be. */
  spanChoices: readonly string[] | null;
  /** An open marker that ends a locator claim: the blocks it may cite; null otherwise. */
  markerChoices: ReadonlySet<number> | null;
  /** The open span is the answer's first. */
  lead: boolean;
}

function stateAfter(text: string, last: boolean, left: number): State {
  const ticks = [...text].filter((ch) => ch === '`').length;
  const tail = text.slice(text.lastIndexOf('`') + 1);
  // Claims are read by the rule (withClaims); the first span of an answer is its lead.
  const claims = { text, spanChoices: null, markerChoices: null };
  if (ticks % 2 === 1) {
    return { open: true, span: collapseSpace(tail), word: '', justClosed: false, last, left, marker: null, lead: ticks === 1, ...claims };
  }
  const word = /\S*$/.exec(tail)![0];
  const marker = /\[\d*$/.exec(word)?.[0] ?? null;
  return { open: false, span: '', word, justClosed: ticks > 0 && text.endsWith('`'), last, left, marker, lead: false, ...claims };
}

function argmax(values: Float32Array): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

/** Indices of the `n` largest values, largest first. */
function topIndices(values: Float32Array, n: number): number[] {
  const top: number[] = [];
  for (let i = 0; i < values.length; i++) {
    if (top.length === n && values[i] <= values[top[n - 1]]) continue;
    let j = Math.min(top.length, n - 1);
    top[j] = i;
    while (j > 0 && values[top[j - 1]] < values[i]) { top[j] = top[j - 1]; top[j - 1] = i; j--; }
  }
  return top;
}
