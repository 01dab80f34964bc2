/**
 * The compressor's memories on the shipped bundle: a chunk's memory is a function of its own text, whatever else is
 * compressed in the same call and in whatever order — so an incremental or resumed index holds bitwise the memories
 * a fresh index would (docs/RELIABILITY.md). A dynamically quantised int8 graph quantises activations with one scale
 * per input tensor, so a batched call would break this; the test fails if the encoder batches texts again.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadBundle } from '../../extension/engine/model/load-bundle';
import type { ModelBundle } from '../../extension/engine/engine-parts';
import { bundleUnderTest } from '../bundle/bundle-under-test';

/** Code-shaped texts of very different lengths (a long one stretches any shared padding and scale). */
const TEXTS = [
  'src/a.py\ndef add(a, b):\n    return a + b\n',
  'src/b.ts\nexport function parseHeader(line: string): [string, string] {\n  const i = line.indexOf(":");\n  return [line.slice(0, i), line.slice(i + 1).trim()];\n}\n',
  `src/c.go\n${Array.from({ length: 40 }, (_, i) => `func handler${i}(w http.ResponseWriter) { w.WriteHeader(${200 + i}) }`).join('\n')}\n`,
  'src/d.js\nconst MAX_RETRIES = 5;\n',
  `src/e.py\nclass Cache:\n${Array.from({ length: 12 }, (_, i) => `    def get_${i}(self, key):\n        return self._items.get(key, ${i * 1e6})`).join('\n')}\n`,
];

function bytesOf(memory: Float32Array): Buffer {
  return Buffer.from(memory.buffer, memory.byteOffset, memory.byteLength);
}

describe('compressor memories', () => {
  let bundle: ModelBundle;
  before(async () => { bundle = await loadBundle(bundleUnderTest(), { executionProvider: 'cpu' }); });
  after(async () => { await bundle?.close(); });

  it('do not depend on the other texts of the call, nor on their order (bitwise)', async () => {
    const alone = await Promise.all(TEXTS.map(async (t) => (await bundle.compressor.encode([t]))[0]));
    const together = await bundle.compressor.encode(TEXTS);
    const reversed = (await bundle.compressor.encode([...TEXTS].reverse())).reverse();
    const withDuplicates = await bundle.compressor.encode([...TEXTS, ...TEXTS]);
    TEXTS.forEach((t, i) => {
      const what = JSON.stringify(t.slice(0, 20));
      assert.ok(bytesOf(together[i]).equals(bytesOf(alone[i])), `${what}: compressed with the others differs from alone`);
      assert.ok(bytesOf(reversed[i]).equals(bytesOf(alone[i])), `${what}: reversed order differs from alone`);
      assert.ok(bytesOf(withDuplicates[i + TEXTS.length]).equals(bytesOf(alone[i])), `${what}: second copy differs`);
    });
    // Positive control: different texts really give different memories.
    assert.ok(!bytesOf(alone[0]).equals(bytesOf(alone[3])));
  });
});
