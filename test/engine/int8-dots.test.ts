/**
 * The scan's int8 dot products (int8-dots.ts): the WebAssembly SIMD kernel and the JavaScript loop must give the same
 * exact integers, at the int32 edge too, keep codes across resizes, and the committed module must be what its text
 * assembles to.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { createInt8Dots, type Int8Dots, queryCodeLimit, rowStride } from '../../extension/engine/store/int8-dots';
import { assemble, KERNELS, moduleText } from '../../scripts/assemble-wasm';

function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Fills `rows` rows and the query of `dots` from `code(row, i)` and `queryCode(i)` (padding left at zero). */
function fill(dots: Int8Dots, dim: number, rows: number, code: (r: number, i: number) => number, queryCode: (i: number) => number): void {
  for (let r = 0; r < rows; r++) for (let i = 0; i < dim; i++) dots.codes[r * dots.stride + i] = code(r, i);
  for (let i = 0; i < dim; i++) dots.query[i] = queryCode(i);
}

/** The dot products by plain arithmetic over the first `dim` values. */
function expected(dim: number, rows: number, code: (r: number, i: number) => number, queryCode: (i: number) => number): number[] {
  return Array.from({ length: rows }, (_, r) => {
    let sum = 0;
    for (let i = 0; i < dim; i++) sum += code(r, i) * queryCode(i);
    return sum;
  });
}

describe('int8 dot products', () => {
  it('the committed WebAssembly module is what int8-dot.wat assembles to', async () => {
    for (const k of KERNELS) {
      const bytes = await assemble(k.wat);
      assert.equal(readFileSync(k.module, 'utf8'), moduleText(k.wat, k.constant, bytes), `${k.module} is stale: run npm run build:wasm`);
    }
  });

  it('runs in WebAssembly SIMD on this runtime by default', () => {
    assert.equal(createInt8Dots(64, 16).kind, 'wasm-simd');
  });

  it('gives the same exact integers in WebAssembly and JavaScript, at the int32 edge too', () => {
    for (const dim of [1, 31, 33, 96, 2048, 4096]) {
      const stride = rowStride(dim);
      assert.ok(stride % 32 === 0 && stride >= dim);
      const limit = queryCodeLimit(stride);
      assert.ok(127 * limit * stride <= 0x7fffffff, `dim ${dim}: the largest sum fits int32`);
      const next = random(dim);
      const values = Array.from({ length: 40 * dim }, () => Math.round((next() * 2 - 1) * 127));
      const queryValues = Array.from({ length: dim }, () => Math.round((next() * 2 - 1) * limit));
      const cases: [string, (r: number, i: number) => number, (i: number) => number][] = [
        ['random', (r, i) => values[r * dim + i], (i) => queryValues[i]],
        ['largest positive sum', () => 127, () => limit],
        ['largest negative sum', () => -127, () => limit],
        ['alternating signs', (r, i) => (i % 2 === 0 ? 127 : -127) * (r % 2 === 0 ? 1 : -1), (i) => (i % 3 === 0 ? -limit : limit)],
      ];
      for (const [name, code, queryCode] of cases) {
        const want = expected(dim, 40, code, queryCode);
        for (const kind of ['wasm-simd', 'js'] as const) {
          const dots = createInt8Dots(dim, 40, kind);
          fill(dots, dim, 40, code, queryCode);
          assert.deepEqual([...dots.dots(40)], want, `dim ${dim}, ${name}, ${kind}`);
          assert.deepEqual([...dots.dots(7)], want.slice(0, 7), `dim ${dim}, ${name}, ${kind}, first 7 rows`);
        }
      }
    }
  });

  it('keeps the rows it had across a resize, and a row past a shrink starts at zero', () => {
    for (const kind of ['wasm-simd', 'js'] as const) {
      const dim = 64;
      const dots = createInt8Dots(dim, 16, kind);
      const code = (r: number, i: number) => ((r * 7 + i) % 255) - 127;
      fill(dots, dim, 16, code, () => 1);
      dots.resize(100_000); // grows the WebAssembly memory: the views are new, the codes the same
      assert.deepEqual([...dots.dots(16)], expected(dim, 16, code, () => 1), kind);
      assert.deepEqual([...dots.dots(100_000).subarray(16)].filter((x) => x !== 0), [], `${kind}: new rows are zero`);
      dots.resize(8);
      dots.resize(16);
      assert.deepEqual([...dots.dots(16)], [...expected(dim, 8, code, () => 1), ...new Array(8).fill(0)], kind);
      assert.throws(() => dots.dots(17), /17 rows asked of a capacity of 16/, kind);
    }
  });
});
