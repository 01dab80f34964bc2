/**
 * The bundle's tokenizer.json gives the same ids in node as in Python (parity.json, written by the training
 * pipeline with the `tokenizers` library): through transformers.js (offline) and through @huggingface/tokenizers.
 * Bundle: CLARA_BUNDLE_DIR, else the one models/default.json names.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '..', '..');

function bundleDir(): string {
  if (process.env.CLARA_BUNDLE_DIR) return path.resolve(process.env.CLARA_BUNDLE_DIR);
  const def = JSON.parse(readFileSync(path.join(root, 'models', 'default.json'), 'utf8')) as { bundle: string };
  return path.join(root, 'models', def.bundle);
}

interface TokenizerCase { text: string; ids: number[] }

const dir = bundleDir();
const cases: TokenizerCase[] = JSON.parse(readFileSync(path.join(dir, 'parity.json'), 'utf8')).tokenizer;

test('parity.json covers unicode, emoji, CJK, tabs and CRLF', () => {
  assert.ok(existsSync(path.join(dir, 'tokenizer.json')), `no tokenizer.json in ${dir}`);
  assert.ok(cases.length >= 12);
  const all = cases.map((c) => c.text).join('');
  for (const needle of ['\t', '\r\n', '日', '🚀']) assert.ok(all.includes(needle), `no case with ${JSON.stringify(needle)}`);
});

test('transformers.js AutoTokenizer (offline) gives the Python ids', async () => {
  const { AutoTokenizer, env } = await import('@huggingface/transformers');
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = path.dirname(dir) + path.sep;
  const tok = await AutoTokenizer.from_pretrained(path.basename(dir));
  for (const c of cases) {
    const ids = Array.from(tok.encode(c.text, { add_special_tokens: false }) as number[]);
    assert.deepEqual(ids, c.ids, `ids differ for ${JSON.stringify(c.text)}`);
    if (c.text !== '') assert.equal(tok.decode(ids), c.text, `decode differs for ${JSON.stringify(c.text)}`);
  }
});

test('@huggingface/tokenizers gives the Python ids', async () => {
  const { Tokenizer } = await import('@huggingface/tokenizers');
  const json = JSON.parse(readFileSync(path.join(dir, 'tokenizer.json'), 'utf8'));
  const config = JSON.parse(readFileSync(path.join(dir, 'tokenizer_config.json'), 'utf8'));
  const tok = new Tokenizer(json, config);
  for (const c of cases) {
    assert.deepEqual(tok.encode(c.text, { add_special_tokens: false }).ids, c.ids, `ids differ for ${JSON.stringify(c.text)}`);
  }
});
