/**
 * Shared tools of the reliability, security and stress tests: the built CLI as a child process, generated
 * repositories, and a comparable snapshot of a store ("the index equals a fresh index of the same tree").
 * Everything runs against the real engine, store and bundle; nothing here stands in for a component.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { ClaraEngine } from '../../extension/engine/clara-engine';
import { readManifest } from '../../extension/engine/model/manifest-check';
import type { FixtureFiles } from '../fixtures/fixture-repo';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const CLI = path.join(REPO_ROOT, 'dist', 'cli.js');
export const WORKER = path.join(REPO_ROOT, 'dist', 'engine-worker.js');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface CliRun {
  child: ReturnType<typeof spawn>;
  done: Promise<CliResult>;
}

/** Starts `node dist/cli.js …`; `nodeArgs` go before the script (e.g. --require a preload). */
export function startCli(args: string[], options: { nodeArgs?: string[]; env?: NodeJS.ProcessEnv; uid?: number; gid?: number } = {}): CliRun {
  assert.ok(existsSync(CLI), `${CLI} is missing: run npm run build`);
  const started = Date.now();
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), CLI, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, CLARA_THREADS: '1', ...options.env },
    uid: options.uid,
    gid: options.gid,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => { stdout += String(d); });
  child.stderr.on('data', (d) => { stderr += String(d); });
  const done = new Promise<CliResult>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr, ms: Date.now() - started }));
  });
  return { child, done };
}

export function clara(args: string[], options: Parameters<typeof startCli>[1] = {}): Promise<CliResult> {
  return startCli(args, options).done;
}

/** The `--json` document a command printed (the last line of stdout that parses). */
export function jsonOut<T>(r: CliResult): T {
  const lines = r.stdout.trim().split('\n').reverse();
  for (const line of lines) {
    try {
      return JSON.parse(line) as T;
    } catch {
      // progress or human text; keep looking
    }
  }
  throw new Error(`no JSON on stdout (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
}

/** A deterministic PRNG (mulberry32), so that a failing random schedule can be replayed from its seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` Python modules, each with `fns` small functions whose bodies differ, so every chunk has its own content. */
export function pythonModules(count: number, fns = 2, prefix = 'pkg'): FixtureFiles {
  const files: FixtureFiles = {};
  for (let f = 0; f < count; f++) {
    const body = Array.from({ length: fns }, (_, i) =>
      `def step_${f}_${i}(value):\n    """Stage ${i} of module ${f}: scales the value and offsets it."""\n` +
      `    value = value * ${i + 2} + ${f}\n    return value - ${i}\n`);
    files[`${prefix}/group_${f % 20}/module_${f}.py`] = body.join('\n\n');
  }
  return files;
}

export interface StoreSnapshot {
  /** path:start-end:symbol:language:contentHash, sorted. */
  chunks: string[];
  /** path:status:chunks (indexed) or path:skipped:reason, sorted. */
  files: string[];
  memories: Map<string, Float32Array>;
}

export async function snapshotOf(engine: ClaraEngine, withMemories = true): Promise<StoreSnapshot> {
  const chunks = await engine.store.allChunks();
  const keys = chunks.map((c) => `${c.path}:${c.startLine}-${c.endLine}:${c.symbol}:${c.language}:${c.contentHash}`);
  const memories = new Map<string, Float32Array>();
  if (withMemories && chunks.length > 0) {
    const vectors = await engine.store.memories(chunks.map((c) => c.id));
    keys.forEach((k, i) => memories.set(k, vectors[i]));
  }
  // The store's own folder is recorded as skipped only when it lives inside the workspace (the CLI's .clara/).
  const files = [...(await engine.store.fileRecords()).values()].filter((f) => f.reason !== 'the index store')
    .map((f) => (f.status === 'indexed' ? `${f.path}:indexed:${f.chunks}` : `${f.path}:skipped:${f.reason}`)).sort();
  return { chunks: keys.sort(), files, memories };
}

/** How many memories were compared with the fresh index's. */
export interface MemoryComparison {
  compared: number;
}

/**
 * Two stores hold the same chunks and file records exactly, and bitwise the same memories: the compressor runs one
 * chunk per session run, so a chunk's memory is a function of its text alone, whatever it was indexed with
 * (extension/engine/model/memory-encoder.ts). Returns how many memories were compared, so a test can report it.
 */
export function assertSameIndex(actual: StoreSnapshot, fresh: StoreSnapshot, what: string): MemoryComparison {
  assert.deepEqual(actual.chunks, fresh.chunks, `${what}: chunks differ from a fresh index`);
  assert.deepEqual(actual.files, fresh.files, `${what}: file records differ from a fresh index`);
  // Memories are reused by content hash (docs/ARCHITECTURE.md, "Reuse"): content found at several paths carries the
  // memory compressed under whichever path came first in the store's history, by design. Those are compared by
  // chunk identity above; every other memory must equal the fresh index's.
  const pathsByHash = new Map<string, Set<string>>();
  for (const key of [...actual.chunks, ...fresh.chunks]) {
    const hash = key.slice(key.lastIndexOf(':') + 1);
    pathsByHash.set(hash, (pathsByHash.get(hash) ?? new Set()).add(key.slice(0, key.indexOf(':'))));
  }
  let compared = 0;
  for (const [key, a] of actual.memories) {
    if ((pathsByHash.get(key.slice(key.lastIndexOf(':') + 1))?.size ?? 0) > 1) continue;
    const b = fresh.memories.get(key);
    assert.ok(b && b.length === a.length, `${what}: ${key} has no memory in the fresh index`);
    const differing = a.findIndex((v, i) => !Object.is(v, b[i]));
    assert.equal(differing, -1, `${what}: ${key} memory[${differing}] is ${a[differing]}, the fresh index's ${b[differing]}`);
    compared++;
  }
  return { compared };
}

/** The manifest fields a store is keyed by (without loading the ONNX sessions). */
export function bundleIdentity(bundleDir: string): { modelVersion: string; dim: number } {
  const m = readManifest(bundleDir); // the engine's reader (it tolerates Python's NaN in evaluation figures)
  return { modelVersion: m.version, dim: m.mem_tokens * m.hidden };
}

/** Every byte of every file under a folder, for "this string never reached the disk" checks. */
export function grepTree(dir: string, needle: string, read: (file: string) => Buffer = readFileSync): string[] {
  const { readdirSync } = require('node:fs') as typeof import('node:fs');
  const hits: string[] = [];
  const stack = [dir];
  const bytes = Buffer.from(needle, 'utf8');
  while (stack.length > 0) {
    const current = stack.pop() as string;
    for (const e of readdirSync(current, { withFileTypes: true })) {
      const p = path.join(current, e.name);
      if (e.isDirectory()) stack.push(p);
      else if (e.isFile() && read(p).includes(bytes)) hits.push(p);
    }
  }
  return hits;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** dist/engine-worker.js in a worker_thread, driven through worker-protocol.ts only (as the extension drives it). */
export class WorkerHarness {
  readonly events: import('../../extension/engine/worker/worker-protocol').WorkerEvent[] = [];
  readonly worker: import('node:worker_threads').Worker;
  private nextId = 1;
  private exited = false;
  private closing: Promise<void> | null = null;
  private readonly waiting = new Map<number, (e: import('../../extension/engine/worker/worker-protocol').WorkerEvent | null) => void>();
  private readonly listeners = new Set<(e: import('../../extension/engine/worker/worker-protocol').WorkerEvent) => void>();

  constructor(options: import('node:worker_threads').WorkerOptions = {}) {
    const { Worker } = require('node:worker_threads') as typeof import('node:worker_threads');
    assert.ok(existsSync(WORKER), `${WORKER} is missing: run npm run build`);
    this.worker = new Worker(WORKER, options);
    this.worker.on('message', (m: import('../../extension/engine/worker/worker-protocol').WorkerEvent) => {
      this.events.push(m);
      for (const l of this.listeners) l(m);
      if (m.type === 'reply') {
        this.waiting.get(m.id)?.(m);
        this.waiting.delete(m.id);
      }
    });
    // A call the worker can no longer answer fails instead of pending forever (a pending promise with nothing else
    // to wait for lets the process exit quietly, skipping whatever cleanup came after it).
    this.worker.on('exit', () => {
      this.exited = true;
      for (const answer of this.waiting.values()) answer(null);
      this.waiting.clear();
    });
  }

  on(listener: (e: import('../../extension/engine/worker/worker-protocol').WorkerEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Sends a request; resolves with its result, rejects with the worker's error message. */
  call<T>(body: Record<string, unknown>): Promise<T> {
    const id = this.nextId++;
    if (this.exited) return Promise.reject(new Error('the worker has exited'));
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, (m) => {
        if (m === null) { reject(new Error('the worker exited before replying')); return; }
        if (m.type !== 'reply') return;
        if (m.ok) resolve(m.result as T);
        else reject(new Error(m.error));
      });
      this.worker.postMessage({ ...body, id });
    });
  }

  /** Closes the engine and ends the worker; a second call waits for the first. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.call({ type: 'close' }).catch(() => undefined);
      await this.worker.terminate();
    })();
    return this.closing;
  }
}
