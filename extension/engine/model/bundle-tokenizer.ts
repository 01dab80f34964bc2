/**
 * The bundle's byte-level BPE tokenizer (tokenizer.json + tokenizer_config.json) through @huggingface/tokenizers, the
 * pure-JS tokenizer transformers.js is built on (small, no native code, works offline from in-memory JSON).
 */
import type { Tokenizer } from '@huggingface/tokenizers' with { 'resolution-mode': 'import' };
import type { TextTokenizer } from '../engine-parts';

// The package's types are ESM-only, but it ships a CommonJS build (dist/tokenizers.cjs) that `require` resolves to,
// in tsx and in the esbuild bundles alike.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const tokenizers = require('@huggingface/tokenizers') as typeof import('@huggingface/tokenizers', { with: { 'resolution-mode': 'import' } });

export class BundleTokenizer implements TextTokenizer {
  private readonly tokenizer: Tokenizer;

  constructor(tokenizerJson: object, tokenizerConfig: object) {
    this.tokenizer = new tokenizers.Tokenizer(tokenizerJson, tokenizerConfig);
  }

  /** Ids without added special tokens (the bundle's templates carry their own). */
  encode(text: string): number[] {
    if (text === '') return [];
    return this.tokenizer.encode(text, { add_special_tokens: false }).ids;
  }

  /**
   * Text of `ids` with special tokens dropped and no "clean-up" of spaces: code must come back byte-exact, and a
   * partial UTF-8 sequence comes back as U+FFFD (TokenTextStream relies on that to hold it back).
   */
  decode(ids: number[]): string {
    // The library refuses an empty list; an empty answer is ordinary (the first token was eos).
    if (ids.length === 0) return '';
    return this.tokenizer.decode(ids, { skip_special_tokens: true, clean_up_tokenization_spaces: false });
  }

  count(text: string): number {
    return this.encode(text).length;
  }

  tokenId(token: string): number | undefined {
    return this.tokenizer.token_to_id(token);
  }
}

/**
 * Turns a growing list of generated ids into text deltas. Decoding token by token would split multi-byte characters
 * (an emoji is often 2–4 byte-level tokens); so the whole answer is re-decoded and a trailing U+FFFD — an incomplete
 * UTF-8 sequence — is held back until the next token completes it.
 */
export class TokenTextStream {
  private readonly ids: number[] = [];
  private emitted = '';

  constructor(private readonly tokenizer: TextTokenizer) {}

  push(id: number): string {
    this.ids.push(id);
    const text = this.tokenizer.decode(this.ids);
    if (text.endsWith('\uFFFD')) return '';
    return this.advance(text);
  }

  /** Whatever is still held back (a sequence that never completed stays U+FFFD). */
  flush(): string {
    return this.advance(this.tokenizer.decode(this.ids));
  }

  get text(): string { return this.emitted; }

  private advance(text: string): string {
    // Byte-level decoding of a longer prefix never rewrites earlier complete characters, so the delta is a suffix.
    const delta = text.startsWith(this.emitted) ? text.slice(this.emitted.length) : '';
    if (delta) this.emitted += delta;
    return delta;
  }
}
