/**
 * Search's in-memory matrix scans an int8 copy of the rows and scores again from the fp16 bits only the rows that can
 * be in the top k. The result must be the exact flat cosine's, scores and order included, whatever the data: checked
 * against the plain scan over the fp16 bits on rows made to be hard for the int8 bound (near-duplicates, ties, wide
 * and narrow value ranges, rows int8 holds exactly so that the query's int16 rounding alone decides), after removals
 * and squeezes, for every k, with the dot products in WebAssembly SIMD and in JavaScript.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ScoredChunk, StoredChunk } from '../../extension/engine/engine-parts';
import { float16Bits, float16Value } from '../../extension/engine/store/float16';
import type { Int8DotsKind } from '../../extension/engine/store/int8-dots';
import { MemoryMatrix } from '../../extension/engine/store/memory-matrix';

const DIM = 96;

/** A seeded generator, so a failure can be replayed. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function chunk(i: number, path: string): StoredChunk {
  return { id: `c${i}`, path, startLine: i, endLine: i + 1, symbol: null, language: 'python', contentHash: `h${i}`, modelVersion: 'v' };
}

interface Row { chunk: StoredChunk; bits: Uint16Array }

/** Rows that stress the int8 bound: clusters of near-duplicates, exact duplicates (ties) and one large value per row. */
function makeRows(n: number, seed: number): Row[] {
  const next = random(seed);
  const centres = Array.from({ length: 6 }, () => Float32Array.from({ length: DIM }, () => next() - 0.5));
  const rows: Row[] = [];
  for (let i = 0; i < n; i++) {
    let v: Float32Array;
    if (i % 17 === 5 && i > 0) v = Float32Array.from(rows[i - 1].bits, float16Value); // an exact tie with the row before
    else {
      const c = centres[i % centres.length];
      v = Float32Array.from(c, (x) => x + (next() - 0.5) * 0.01); // near-duplicates
      if (i % 3 === 0) v[i % DIM] *= 40; // one value far above the rest: a coarse int8 scale
    }
    const len = Math.hypot(...v);
    rows.push({ chunk: chunk(i, `f${i % 9}.py`), bits: Uint16Array.from(v, (x) => float16Bits(x / len)) });
  }
  return rows;
}

/** The plain scan every result is held to: fp16 decoded, dot in row order, the first of equal scores first. */
function plainNearest(rows: Row[], query: Float32Array, k: number): ScoredChunk[] {
  let qq = 0;
  for (const x of query) qq += x * x;
  const qi = qq > 0 ? 1 / Math.sqrt(qq) : 0;
  const scored = rows.map((row, order) => {
    let dot = 0;
    let sum = 0;
    for (let i = 0; i < DIM; i++) {
      const v = float16Value(row.bits[i]);
      dot += query[i] * v;
      sum += v * v;
    }
    const inverseLength = Math.fround(sum > 0 ? 1 / Math.sqrt(sum) : 0);
    return { order, hit: { ...row.chunk, score: dot * qi * inverseLength } };
  });
  scored.sort((a, b) => b.hit.score - a.hit.score || a.order - b.order);
  return scored.slice(0, k).map((s) => s.hit);
}

function matrixOf(rows: Row[], kernel: Int8DotsKind): MemoryMatrix {
  const m = new MemoryMatrix(DIM, 16, kernel);
  assert.equal(m.kernel, kernel);
  for (const row of rows) m.append({ chunk: row.chunk, bits: row.bits, offset: 0, norm: 1 });
  return m;
}

function queries(rows: Row[], seed: number): Float32Array[] {
  const next = random(seed);
  return [
    Float32Array.from(rows[7].bits, float16Value), // a stored row: many rows within the bound of the best
    Float32Array.from({ length: DIM }, () => next() - 0.5),
    Float32Array.from({ length: DIM }, (_, i) => (i === 3 ? 50 : next() * 0.001)),
    new Float32Array(DIM), // a zero query: every score is 0, the order is the rows' order
  ];
}

/**
 * Rows whose values int8 holds exactly (whole numbers up to 127, the largest 127 in every row: no rounding error), all
 * of one length and equal in their first value: each row's other values are the same numbers in another order. The
 * query is one large value and many small ones, so its int16 codes round the part that orders the rows. Without the
 * query's error in the bound, the scan drops rows of the top k.
 */
function exactRowsAndQuery(n: number, seed: number): { rows: Row[]; query: Float32Array } {
  const next = random(seed);
  const values = Array.from({ length: DIM - 1 }, () => Math.round((next() * 2 - 1) * 60));
  const rows: Row[] = [];
  for (let i = 0; i < n; i++) {
    const order = [...values];
    for (let j = order.length - 1; j > 0; j--) {
      const t = Math.floor(next() * (j + 1));
      [order[j], order[t]] = [order[t], order[j]];
    }
    rows.push({ chunk: chunk(i, `e${i % 5}.py`), bits: Uint16Array.from([127, ...order], float16Bits) });
  }
  const query = Float32Array.from({ length: DIM }, (_, j) => (j === 0 ? 3e4 : (next() * 2 - 1) * 2));
  return { rows, query };
}

it('search matrix: the scan\'s dot products run in WebAssembly SIMD by default on this runtime', () => {
  assert.equal(new MemoryMatrix(DIM).kernel, 'wasm-simd');
});

for (const kernel of ['wasm-simd', 'js'] as const) describe(`search matrix (dot products in ${kernel})`, () => {
  it('gives the exact flat cosine top k (scores and order) for every k', () => {
    const rows = makeRows(700, 11);
    const m = matrixOf(rows, kernel);
    for (const q of queries(rows, 3)) {
      for (const k of [1, 2, 5, 20, 40, 699, 700, 1000]) {
        assert.deepEqual(m.nearest(q, k), plainNearest(rows, q, k), `k ${k}`);
        assert.deepEqual(m.nearestByFullScan(q, k), plainNearest(rows, q, k), `full scan, k ${k}`);
      }
    }
    assert.deepEqual(m.nearest(queries(rows, 3)[1], 0), []);
    // Whatever k a caller passes, the scan ends (a hostile worker message once made it loop on NaN).
    const q1 = queries(rows, 3)[1];
    for (const k of [Number.NaN, -5]) assert.deepEqual(m.nearest(q1, k), [], `k ${k}`);
    assert.deepEqual(m.nearest(q1, 2.5), plainNearest(rows, q1, 2));
    assert.deepEqual(m.nearest(q1, 1e9), plainNearest(rows, q1, rows.length));
    assert.deepEqual(m.nearest(q1, Infinity), plainNearest(rows, q1, rows.length));
    // The bound prunes (only some rows are scored again) and is needed (more than k are: int8 alone cannot decide).
    m.nearest(queries(rows, 3)[0], 20);
    assert.ok(m.lastRescored > 20 && m.lastRescored < rows.length, `rows scored again: ${m.lastRescored}`);
  });

  it('stays exact when the query\'s int16 rounding alone separates the rows', () => {
    const { rows, query } = exactRowsAndQuery(400, 41);
    const m = matrixOf(rows, kernel);
    for (const k of [1, 5, 20]) assert.deepEqual(m.nearest(query, k), plainNearest(rows, query, k), `k ${k}`);
  });

  it('stays exact after paths are removed and the matrix is squeezed', () => {
    const rows = makeRows(3000, 29);
    const m = matrixOf(rows, kernel);
    const gone = new Set(['f1.py', 'f2.py', 'f4.py']); // a third of the rows: over 1,024 dead rows squeezes
    m.removePaths(gone);
    const live = rows.filter((r) => !gone.has(r.chunk.path));
    assert.equal(m.size, live.length);
    for (const q of queries(live, 5)) {
      for (const k of [1, 20, 100]) assert.deepEqual(m.nearest(q, k), plainNearest(live, q, k), `k ${k}`);
    }
    // appended after the squeeze, and a chunk id written again replaces its earlier row
    const more = makeRows(50, 31).map((r, i) => ({ ...r, chunk: chunk(5000 + i, 'g.py') }));
    const replaced = { ...makeRows(1, 37)[0], chunk: live[0].chunk };
    for (const r of [...more, replaced]) m.append({ chunk: r.chunk, bits: r.bits, offset: 0, norm: 1 });
    const now = [...live.slice(1), ...more, replaced];
    for (const q of queries(now, 7)) assert.deepEqual(m.nearest(q, 20), plainNearest(now, q, 20));
  });
});
