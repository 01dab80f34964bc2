/**
 * PyTorch ↔ onnxruntime-node parity on the bundle's own parity.json (written by the training export): tokenizer ids,
 * compressor and query memories (cosine ≥ 0.999) and greedy generation with the KV-cache loop on 20 prompts.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadBundleParts, type LoadedBundle } from '../../extension/engine/model/load-bundle';
import { bundleUnderTest } from './bundle-under-test';

interface Parity {
  tokenizer: Array<{ text: string; ids: number[] }>;
  compressor: Array<{ text: string; memory: number[] }>;
  query: Array<{ text: string; memory: number[] }>;
  generator: Array<{ doc_texts: string[]; question: string; greedy_ids: number[]; torch_greedy_ids: number[] }>;
}

function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length, 'memory sizes differ');
  let dot = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) { dot += a[i] * b[i]; na += a[i] * a[i]; nb += b[i] * b[i]; }
  return dot / Math.sqrt(na * nb);
}

describe('ONNX parity with PyTorch (parity.json)', () => {
  const dir = bundleUnderTest();
  let bundle: LoadedBundle;
  let parity: Parity;

  before(async () => {
    bundle = await loadBundleParts(dir, 'cpu');
    parity = JSON.parse(readFileSync(path.join(dir, 'parity.json'), 'utf8')) as Parity;
  });
  after(async () => { await bundle?.close(); });

  it('tokenizer ids equal the Python tokenizer', () => {
    assert.ok(parity.tokenizer.length > 0);
    for (const c of parity.tokenizer) {
      assert.deepEqual(bundle.tokenizer.encode(c.text), c.ids, `ids differ for ${JSON.stringify(c.text.slice(0, 60))}`);
    }
  });

  it('tokenizer decodes byte-level BPE back to the exact text (special tokens are not shown)', () => {
    const specials = Object.values(bundle.manifest.special_tokens);
    for (const c of parity.tokenizer) {
      const shown = specials.reduce((text, token) => text.split(token).join(''), c.text);
      assert.equal(bundle.tokenizer.decode(c.ids), shown);
    }
  });

  for (const kind of ['compressor', 'query'] as const) {
    it(`${kind} memories have cosine ≥ 0.999 with PyTorch's (one batch, mixed lengths)`, async () => {
      const cases = parity[kind];
      assert.ok(cases.length > 0);
      const memories = await bundle[kind].encode(cases.map((c) => c.text));
      const worst = Math.min(...cases.map((c, i) => cosine(memories[i], c.memory)));
      assert.ok(worst >= 0.999, `worst ${kind} cosine ${worst}`);
    });
  }

  it('greedy KV-cache generation gives the exported greedy ids on every prompt', async () => {
    assert.equal(parity.generator.length, 20, 'parity.json should carry 20 generator prompts');
    let sameAsExport = 0;
    let sameAsTorch = 0;
    const mismatches: string[] = [];
    for (const [i, c] of parity.generator.entries()) {
      const memories = await bundle.compressor.encode(c.doc_texts);
      const prompt = bundle.generator.promptIds(c.question, memories.length);
      const { ids } = await bundle.generator.generateIds(memories, prompt, { maxNewTokens: 24 });
      if (JSON.stringify(ids) === JSON.stringify(c.greedy_ids.slice(0, 24))) sameAsExport++;
      else mismatches.push(`#${i}: got ${ids.join(',')} expected ${c.greedy_ids.join(',')}`);
      if (JSON.stringify(ids) === JSON.stringify(c.torch_greedy_ids.slice(0, 24))) sameAsTorch++;
    }
    console.log(`# generator parity: ${sameAsExport}/20 equal greedy_ids, ${sameAsTorch}/20 equal torch_greedy_ids`);
    assert.equal(sameAsExport, 20, mismatches.join('\n'));
    assert.equal(sameAsTorch, 20, 'greedy tokens differ from PyTorch');
  });
});
