/**
 * The int8 dot products of search's scan (memory-matrix.ts): for every row r, the exact integer q̂ · ĉ_r of the
 * query's int16 codes with the row's int8 codes. Computed by a WebAssembly SIMD kernel (int8-dot.wat: sixteen codes per
 * instruction where JavaScript multiplies one value at a time) wherever the runtime accepts its module, and otherwise
 * by the same sums in JavaScript. Both give the same integers, so the scan's bound and results do not depend on which
 * ran.
 *
 * The rows' codes live in the kernel's memory, one row every `stride` bytes (the dimension rounded up to 32; the
 * padding is zero), so the scan reads them where they are. That memory only grows: after the matrix shrinks, its pages
 * stay reserved and later rows reuse them.
 */
import { INT8_DOT_WASM } from './int8-dot-wasm';

export type Int8DotsKind = 'wasm-simd' | 'js';

/** Bytes per row: the dimension rounded up to the kernel's 32 codes per step. */
export function rowStride(dim: number): number {
  return Math.ceil(dim / 32) * 32;
}

/** The largest |query code| for which no sum over a row of `stride` codes (|code| ≤ 127) can leave int32. */
export function queryCodeLimit(stride: number): number {
  return Math.min(32767, Math.floor(0x7fffffff / (127 * stride)));
}

export interface Int8Dots {
  readonly kind: Int8DotsKind;
  readonly stride: number;
  /** The rows' codes, row r from r · stride; a new view after every resize(). */
  readonly codes: Int8Array;
  /** The query's codes (stride values, ≤ queryCodeLimit(stride) in magnitude); the caller writes them. */
  readonly query: Int16Array;
  /** Room for `capacity` rows; the first min(old, new capacity) rows keep their codes. */
  resize(capacity: number): void;
  /** query · codes of each of the first `rows` rows (a view, valid until the next call or resize). */
  dots(rows: number): Int32Array;
}

/**
 * The part of the WebAssembly JavaScript API used here. Node and Electron have it; TypeScript declares it only with
 * the DOM library, which the engine does not compile against.
 */
interface WasmMemory { readonly buffer: ArrayBuffer; grow(pages: number): number }
type WasmModule = object;
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: object) => { exports: object };
  Memory: new (descriptor: { initial: number }) => WasmMemory;
}
const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;

const PAGE = 65536;
/** Where the rows' codes start in the kernel's memory: after the query (2 bytes per value), on a cache line. */
const codesStart = (stride: number) => Math.ceil((2 * stride) / 64) * 64;

interface DotsExports {
  dots(query: number, codes: number, stride: number, rows: number, out: number): void;
}

class WasmInt8Dots implements Int8Dots {
  readonly kind = 'wasm-simd';
  codes!: Int8Array;
  query!: Int16Array;
  private out!: Int32Array;
  private readonly memory: WasmMemory;
  private readonly kernel: DotsExports;
  private readonly codesAt: number;
  private capacity = 0;

  constructor(readonly stride: number, capacity: number, api: WasmApi, module: WasmModule) {
    this.codesAt = codesStart(stride);
    this.memory = new api.Memory({ initial: 1 });
    this.kernel = new api.Instance(module, { env: { memory: this.memory } }).exports as DotsExports;
    this.resize(capacity);
  }

  resize(capacity: number): void {
    const outAt = this.codesAt + capacity * this.stride;
    const bytes = outAt + capacity * 4;
    const have = this.memory.buffer.byteLength;
    if (bytes > have) this.memory.grow(Math.ceil((bytes - have) / PAGE));
    if (capacity > this.capacity) {
      // Rows past the old capacity may hold codes from before a shrink: start them at zero, as a new array would.
      new Int8Array(this.memory.buffer, this.codesAt + this.capacity * this.stride, (capacity - this.capacity) * this.stride).fill(0);
    }
    this.capacity = capacity;
    const buffer = this.memory.buffer;
    this.query = new Int16Array(buffer, 0, this.stride);
    this.codes = new Int8Array(buffer, this.codesAt, capacity * this.stride);
    this.out = new Int32Array(buffer, outAt, capacity);
  }

  dots(rows: number): Int32Array {
    if (rows > this.capacity) throw new Error(`${rows} rows asked of a capacity of ${this.capacity}`);
    this.kernel.dots(0, this.codesAt, this.stride, rows, this.out.byteOffset);
    return this.out.subarray(0, rows);
  }
}

class JsInt8Dots implements Int8Dots {
  readonly kind = 'js';
  codes: Int8Array;
  readonly query: Int16Array;
  private out: Int32Array;

  constructor(readonly stride: number, capacity: number) {
    this.codes = new Int8Array(capacity * stride);
    this.query = new Int16Array(stride);
    this.out = new Int32Array(capacity);
  }

  resize(capacity: number): void {
    const codes = new Int8Array(capacity * this.stride);
    codes.set(this.codes.subarray(0, Math.min(codes.length, this.codes.length)));
    this.codes = codes;
    this.out = new Int32Array(capacity);
  }

  dots(rows: number): Int32Array {
    const { codes, stride, out } = this;
    if (rows > out.length) throw new Error(`${rows} rows asked of a capacity of ${out.length}`);
    // The query read from a Float32Array, which V8 multiplies fastest here (from the Int16Array or a Float64Array the
    // Django scan took 45 ms instead of 38); float32 holds every int16 and each partial sum is a whole number under
    // 2^31, so the result is exact.
    const query = Float32Array.from(this.query);
    for (let r = 0; r < rows; r++) {
      const base = r * stride;
      let a = 0;
      let b = 0;
      let c = 0;
      let d = 0;
      // Four sums and one index per step: V8 keeps them in registers (stride is a multiple of 32).
      for (let i = 0; i < stride; i += 4) {
        const x = base + i;
        a += query[i] * codes[x];
        b += query[i + 1] * codes[x + 1];
        c += query[i + 2] * codes[x + 2];
        d += query[i + 3] * codes[x + 3];
      }
      out[r] = a + b + c + d;
    }
    return out.subarray(0, rows);
  }
}

let compiled: WasmModule | null | undefined;

/** The kernel's module, or null where this runtime has no WebAssembly SIMD (compiled once per thread). */
function wasmModule(): WasmModule | null {
  if (compiled === undefined) {
    try {
      compiled = wasm?.validate(INT8_DOT_WASM) ? new wasm.Module(INT8_DOT_WASM) : null;
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

/** The kernel for rows of `dim` codes: WebAssembly SIMD where available (or `kind` when given, for tests and benchmarks). */
export function createInt8Dots(dim: number, capacity: number, kind?: Int8DotsKind): Int8Dots {
  const stride = rowStride(dim);
  const module = kind === 'js' ? null : wasmModule();
  if (kind === 'wasm-simd' && module === null) throw new Error('this runtime has no WebAssembly SIMD');
  return module && wasm ? new WasmInt8Dots(stride, capacity, wasm, module) : new JsInt8Dots(stride, capacity);
}
