/**
 * The chunks' stored memories held in memory for search: one fp16 row per chunk (the same bits as the table's vector
 * column, so the same 2 bytes per value as on disk) with its metadata. Search is an exact flat cosine over every live
 * row — the ranking LanceDB's flat scan gave, without reading the table per question — and its memory is fixed by the
 * index size, not by how many questions were asked. Rows of replaced paths are tombstoned and squeezed out once they
 * are a quarter of the matrix.
 *
 * The scan reads an int8 copy of each row (one byte per value and a scale; 1.5 times the fp16 matrix's memory in all)
 * and the query as int16 codes, and takes their integer dot products with a WebAssembly SIMD kernel (int8-dots.ts;
 * docs/BENCHMARKS.md has its speed against the fp16 scan and the same int8 scan in JavaScript). It keeps the result
 * exact: each row also stores the length of what int8 rounded away, and the query the length of what int16 rounded
 * away, which together bound how far a row's int8 cosine can be from the exact one. Only rows whose bound reaches the
 * k-th best lower bound can be in the top k, and those are scored again from the fp16 bits, so the result is the exact
 * flat cosine's, scores and order included.
 */
import type { ScoredChunk, StoredChunk } from '../engine-parts';
import { float16Value } from './float16';
import { createInt8Dots, type Int8Dots, type Int8DotsKind, queryCodeLimit } from './int8-dots';

/** float16 bits → float32 value, for every bit pattern (256 KiB, built once). */
const HALF_TO_FLOAT = (() => {
  const table = new Float32Array(65536);
  for (let bits = 0; bits < 65536; bits++) table[bits] = float16Value(bits);
  return table;
})();

export interface MatrixRow {
  chunk: StoredChunk;
  /** The stored unit vector as float16 bits (dim values from `offset` of `bits`). */
  bits: Uint16Array;
  offset: number;
  /** The stored norm that scales the unit vector back to the memory. */
  norm: number;
}

/** Added to every int8 error bound: covers the rounding of the float32 scale, bound and double sums (~1e-13). */
const BOUND_SLACK = 1e-6;

/**
 * Quantises `values` to codes of at most `limit` in magnitude with one scale, written from `at` of `codes`; returns
 * the scale, the length of the rounding error and the length of the codes.
 */
function quantise(values: Float32Array, codes: Int8Array | Int16Array, at: number, limit: number): { scale: number; errorLength: number; codeLength: number } {
  let maxAbs = 0;
  for (let i = 0; i < values.length; i++) maxAbs = Math.max(maxAbs, Math.abs(values[i]));
  const scale = Math.fround(maxAbs / limit);
  let err = 0;
  let squares = 0;
  for (let i = 0; i < values.length; i++) {
    const code = scale > 0 ? Math.max(-limit, Math.min(limit, Math.round(values[i] / scale))) : 0;
    codes[at + i] = code;
    squares += code * code;
    const e = values[i] - scale * code;
    err += e * e;
  }
  return { scale, errorLength: Math.sqrt(err), codeLength: Math.sqrt(squares) };
}

export class MemoryMatrix {
  private data: Uint16Array;
  /** The int8 copy the scan reads (row r from r * stride, value ≈ code * scales[r]) and its dot-product kernel. */
  private readonly dots: Int8Dots;
  private chunks: StoredChunk[] = [];
  /** Per row: stored norm, and 1 / |decoded fp16 vector| (0 for a zero vector or a dead row). */
  private norms: Float32Array;
  private inverseLengths: Float32Array;
  /** Per row: the int8 scale, |decoded − int8| and |codes|, both rounded up (so that they bound the scan's error). */
  private scales: Float32Array;
  private errorLengths: Float32Array;
  private codeLengths: Float32Array;
  private alive: Uint8Array;
  private rows = 0;
  private dead = 0;
  /** Rows the last nearest() scored again from the fp16 bits (what bench/matrix-scan.ts reports). */
  lastRescored = 0;
  /** append()'s decoded row, reused. */
  private readonly decoded: Float32Array;
  private readonly rowsById = new Map<string, number>();
  private readonly rowsByPath = new Map<string, number[]>();

  /** `kernel` chooses the scan's dot products (int8-dots.ts; default: WebAssembly SIMD where available). */
  constructor(readonly dim: number, capacity = 1024, kernel?: Int8DotsKind) {
    capacity = Math.max(16, capacity);
    this.data = new Uint16Array(capacity * dim);
    this.dots = createInt8Dots(dim, capacity, kernel);
    this.norms = new Float32Array(capacity);
    this.inverseLengths = new Float32Array(capacity);
    this.scales = new Float32Array(capacity);
    this.errorLengths = new Float32Array(capacity);
    this.codeLengths = new Float32Array(capacity);
    this.alive = new Uint8Array(capacity);
    this.decoded = new Float32Array(dim);
  }

  /** Which kernel the scan's dot products run in. */
  get kernel(): Int8DotsKind {
    return this.dots.kind;
  }

  /** Live rows. */
  get size(): number {
    return this.rows - this.dead;
  }

  append(row: MatrixRow): void {
    if (this.rows === this.norms.length) this.resize(Math.ceil(this.rows * 1.25) + 1024);
    const r = this.rows++;
    const base = r * this.dim;
    this.data.set(row.bits.subarray(row.offset, row.offset + this.dim), base);
    const values = this.decoded;
    let sum = 0;
    for (let i = 0; i < this.dim; i++) {
      const v = HALF_TO_FLOAT[this.data[base + i]];
      values[i] = v;
      sum += v * v;
    }
    this.inverseLengths[r] = sum > 0 ? 1 / Math.sqrt(sum) : 0;
    const codes = this.dots.codes;
    const at = r * this.dots.stride;
    const { scale, errorLength, codeLength } = quantise(values, codes, at, 127);
    codes.fill(0, at + this.dim, at + this.dots.stride);
    this.scales[r] = scale;
    this.errorLengths[r] = errorLength * (1 + 1e-6);
    this.codeLengths[r] = codeLength * (1 + 1e-6);
    this.norms[r] = row.norm;
    this.alive[r] = 1;
    this.chunks[r] = row.chunk;
    const previous = this.rowsById.get(row.chunk.id);
    if (previous !== undefined) this.kill(previous);
    this.rowsById.set(row.chunk.id, r);
    const list = this.rowsByPath.get(row.chunk.path);
    if (list) list.push(r);
    else this.rowsByPath.set(row.chunk.path, [r]);
  }

  /** Drops every row of these paths. */
  removePaths(paths: Iterable<string>): void {
    for (const p of paths) {
      const list = this.rowsByPath.get(p);
      if (!list) continue;
      for (const r of list) this.kill(r);
      this.rowsByPath.delete(p);
    }
    if (this.dead > 1024 && this.dead * 4 > this.rows) this.squeeze();
  }

  /** The k rows of highest cosine with `query` (an un-normalised flat memory), best first. Exact (see the top). */
  nearest(query: Float32Array, k: number): ScoredChunk[] {
    if (query.length !== this.dim) throw new Error(`memory sizes differ: ${query.length} vs ${this.dim}`);
    let qq = 0;
    for (let i = 0; i < this.dim; i++) qq += query[i] * query[i];
    const q = Float32Array.from(query);
    const queryInverse = qq > 0 ? 1 / Math.sqrt(qq) : 0;
    // Any k a caller passes (NaN, 1.5, 1e9) ends: a whole number of rows, none when it is not a positive number.
    const want = Math.floor(k);
    if (!(want > 0) || this.size === 0) return [];
    // A query with a non-finite value has no int8 bound: every row is scored exactly, as the full scan would.
    const candidates = this.size <= want || !Number.isFinite(qq) ? this.liveRows() : this.candidateRows(q, queryInverse, want);
    this.lastRescored = candidates.length;
    return this.exactTop(candidates, q, queryInverse, want);
  }

  /** The same result from the fp16 bits of every row, without the int8 scan: the baseline `bench/matrix-scan.ts` times. */
  nearestByFullScan(query: Float32Array, k: number): ScoredChunk[] {
    if (query.length !== this.dim) throw new Error(`memory sizes differ: ${query.length} vs ${this.dim}`);
    let qq = 0;
    for (let i = 0; i < this.dim; i++) qq += query[i] * query[i];
    const want = Math.floor(k);
    if (!(want > 0)) return [];
    return this.exactTop(this.liveRows(), Float32Array.from(query), qq > 0 ? 1 / Math.sqrt(qq) : 0, want);
  }

  /**
   * The rows that can be among the k best. With the row x = s·ĉ + ε (int8 codes ĉ, |ε| = errorLength) and the query
   * q = t·q̂ + e (int16 codes q̂, |e| = queryError), q·x = s·t·(q̂·ĉ) + s·(e·ĉ) + q·ε, so by Cauchy–Schwarz the scan's
   * score s·t·(q̂·ĉ) / (|q|·|x|) is within (s·queryError·|ĉ| + |q|·errorLength) / (|q|·|x|) of the exact cosine. A row
   * whose upper bound is under the k-th best lower bound cannot be in the top k. Rows in ascending order, so that ties
   * keep the exact scan's order.
   */
  private candidateRows(q: Float32Array, queryInverse: number, k: number): Int32Array {
    const { dots, alive, inverseLengths, scales, errorLengths, codeLengths, rows } = this;
    dots.query.fill(0);
    const query = quantise(q, dots.query, 0, queryCodeLimit(dots.stride));
    const queryError = query.errorLength * (1 + 1e-6);
    const products = dots.dots(rows);
    const approx = new Float64Array(rows);
    const bounds = new Float64Array(rows);
    const lowest = new LowerBoundHeap(k);
    for (let r = 0; r < rows; r++) {
      if (alive[r] === 0) continue;
      const rowScale = scales[r] * queryInverse * inverseLengths[r];
      const score = products[r] * query.scale * rowScale;
      const bound = errorLengths[r] * inverseLengths[r] + queryError * codeLengths[r] * rowScale + BOUND_SLACK;
      approx[r] = score;
      bounds[r] = bound;
      lowest.offer(score - bound);
    }
    const floor = lowest.kth();
    const out: number[] = [];
    for (let r = 0; r < rows; r++) {
      if (alive[r] !== 0 && approx[r] + bounds[r] >= floor) out.push(r);
    }
    return Int32Array.from(out);
  }

  private liveRows(): Int32Array {
    const out: number[] = [];
    for (let r = 0; r < this.rows; r++) if (this.alive[r] !== 0) out.push(r);
    return Int32Array.from(out);
  }

  /** The exact fp16 cosine of the given rows (ascending), the k best first; ties keep the earlier row first. */
  private exactTop(rowsToScore: Int32Array, q: Float32Array, queryInverse: number, k: number): ScoredChunk[] {
    const top: { row: number; score: number }[] = [];
    const { data, dim, inverseLengths } = this;
    for (const r of rowsToScore) {
      const base = r * dim;
      let dot = 0;
      for (let i = 0; i < dim; i++) dot += q[i] * HALF_TO_FLOAT[data[base + i]];
      const score = dot * queryInverse * inverseLengths[r];
      if (top.length === k && score <= top[k - 1].score) continue;
      // Insertion into a short sorted list; ties keep the earlier row first.
      let at = top.length;
      while (at > 0 && top[at - 1].score < score) at--;
      top.splice(at, 0, { row: r, score });
      if (top.length > k) top.pop();
    }
    return top.map(({ row, score }) => ({ ...this.chunks[row], score }));
  }

  /** The memory (unit vector × norm) of a chunk, or undefined when the matrix has no such chunk. */
  memory(id: string): Float32Array | undefined {
    const r = this.rowsById.get(id);
    if (r === undefined) return undefined;
    const out = new Float32Array(this.dim);
    const base = r * this.dim;
    const norm = this.norms[r];
    for (let i = 0; i < this.dim; i++) out[i] = HALF_TO_FLOAT[this.data[base + i]] * norm;
    return out;
  }

  private kill(r: number): void {
    if (this.alive[r] === 0) return;
    this.alive[r] = 0;
    this.dead++;
    if (this.rowsById.get(this.chunks[r].id) === r) this.rowsById.delete(this.chunks[r].id);
  }

  private resize(capacity: number): void {
    const data = new Uint16Array(capacity * this.dim);
    data.set(this.data.subarray(0, Math.min(this.rows, capacity) * this.dim));
    this.data = data;
    this.dots.resize(capacity);
    for (const name of ['norms', 'inverseLengths', 'scales', 'errorLengths', 'codeLengths'] as const) {
      const next = new Float32Array(capacity);
      next.set(this[name].subarray(0, Math.min(this.rows, capacity)));
      this[name] = next;
    }
    const alive = new Uint8Array(capacity);
    alive.set(this.alive.subarray(0, Math.min(this.rows, capacity)));
    this.alive = alive;
  }

  /** Moves live rows down over dead ones and gives the spare capacity back. */
  private squeeze(): void {
    let w = 0;
    this.rowsById.clear();
    this.rowsByPath.clear();
    for (let r = 0; r < this.rows; r++) {
      if (this.alive[r] === 0) continue;
      if (w !== r) {
        this.data.copyWithin(w * this.dim, r * this.dim, (r + 1) * this.dim);
        const stride = this.dots.stride;
        this.dots.codes.copyWithin(w * stride, r * stride, (r + 1) * stride);
        this.norms[w] = this.norms[r];
        this.inverseLengths[w] = this.inverseLengths[r];
        this.scales[w] = this.scales[r];
        this.errorLengths[w] = this.errorLengths[r];
        this.codeLengths[w] = this.codeLengths[r];
        this.alive[w] = 1;
        this.chunks[w] = this.chunks[r];
      }
      this.rowsById.set(this.chunks[w].id, w);
      const list = this.rowsByPath.get(this.chunks[w].path);
      if (list) list.push(w);
      else this.rowsByPath.set(this.chunks[w].path, [w]);
      w++;
    }
    this.alive.fill(0, w, this.rows);
    this.chunks.length = w;
    this.rows = w;
    this.dead = 0;
    this.resize(Math.ceil(w * 1.25) + 16);
  }
}

/** The k largest numbers offered so far, as a min-heap: kth() is the smallest of them (−Infinity until k arrived). */
class LowerBoundHeap {
  private readonly heap: Float64Array;
  private size = 0;

  constructor(private readonly k: number) {
    this.heap = new Float64Array(k);
  }

  offer(x: number): void {
    const h = this.heap;
    if (this.size < this.k) {
      let i = this.size++;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (h[parent] <= x) break;
        h[i] = h[parent];
        i = parent;
      }
      h[i] = x;
      return;
    }
    if (x <= h[0]) return;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= this.k) break;
      const child = left + 1 < this.k && h[left + 1] < h[left] ? left + 1 : left;
      if (h[child] >= x) break;
      h[i] = h[child];
      i = child;
    }
    h[i] = x;
  }

  kth(): number {
    return this.size < this.k ? -Infinity : this.heap[0];
  }
}
