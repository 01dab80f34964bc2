/**
 * The chunks' stored memories held in memory for search: one fp16 row per chunk (the same bits as the table's vector
 * column, so the same 2 bytes per value as on disk) with its metadata. Search is an exact flat cosine over every live
 * row — the ranking LanceDB's flat scan gave, without reading the table per question — and its memory is fixed by the
 * index size, not by how many questions were asked. Rows of replaced paths are tombstoned and squeezed out once they
 * are a quarter of the matrix.
 */
import type { ScoredChunk, StoredChunk } from '../engine-parts';
import { float16Value } from './float16';

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

export class MemoryMatrix {
  private data: Uint16Array;
  private chunks: StoredChunk[] = [];
  /** Per row: stored norm, and 1 / |decoded fp16 vector| (0 for a zero vector or a dead row). */
  private norms: Float32Array;
  private inverseLengths: Float32Array;
  private alive: Uint8Array;
  private rows = 0;
  private dead = 0;
  private readonly rowsById = new Map<string, number>();
  private readonly rowsByPath = new Map<string, number[]>();

  constructor(readonly dim: number, capacity = 1024) {
    capacity = Math.max(16, capacity);
    this.data = new Uint16Array(capacity * dim);
    this.norms = new Float32Array(capacity);
    this.inverseLengths = new Float32Array(capacity);
    this.alive = new Uint8Array(capacity);
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
    let sum = 0;
    for (let i = 0; i < this.dim; i++) {
      const v = HALF_TO_FLOAT[this.data[base + i]];
      sum += v * v;
    }
    this.inverseLengths[r] = sum > 0 ? 1 / Math.sqrt(sum) : 0;
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

  /** The k rows of highest cosine with `query` (an un-normalised flat memory), best first. */
  nearest(query: Float32Array, k: number): ScoredChunk[] {
    if (query.length !== this.dim) throw new Error(`memory sizes differ: ${query.length} vs ${this.dim}`);
    let qq = 0;
    for (let i = 0; i < this.dim; i++) qq += query[i] * query[i];
    const q = Float32Array.from(query);
    const top: { row: number; score: number }[] = [];
    const { data, dim, alive, inverseLengths } = this;
    const queryInverse = qq > 0 ? 1 / Math.sqrt(qq) : 0;
    for (let r = 0; r < this.rows; r++) {
      if (alive[r] === 0) continue;
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
    for (const name of ['norms', 'inverseLengths'] as const) {
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
        this.norms[w] = this.norms[r];
        this.inverseLengths[w] = this.inverseLengths[r];
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
