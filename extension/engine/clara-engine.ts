/**
 * The engine facade: one workspace root, one store, one loaded bundle. It ties discovery → chunking → compression →
 * store for indexing, and hands search and ask to retrieval and answering. Index runs are serialised here and hold
 * the store's writer lock, so the CLI and the extension never write one store at once.
 */
import { statSync } from 'node:fs';
import * as path from 'node:path';
import { answerQuestion } from './answer/answer-question';
import { ChunkTextReader } from './chunking/chunk-text-reader';
import { checkQuestion } from './answer/question-check';
import { WorkspaceFilter } from './discovery/scan-workspace';
import type { AnswerResult, AskOptions, EngineOptions, IndexProgress, IndexState, IndexSummary, ModelInfo, SearchHit } from './engine-api';
import type { ClaraEngineApi, ModelBundle } from './engine-parts';
import { CancelledError, IndexGate } from './indexing/index-gate';
import { Indexer } from './indexing/indexer';
import { defaultBundleDir, loadBundle } from './model/load-bundle';
import { retrieve } from './retrieval/retrieve';
import { bytesOnDisk, MemoryStore } from './store/memory-store';
import { acquireWriterLock } from './store/writer-lock';

export const DEFAULT_TOP_K = 5;
/** The most memories one question may retrieve: the clara.topK setting's maximum. */
export const MAX_TOP_K = 50;

/**
 * `topK` as given, or a clear error when it is not a whole number from 1 to MAX_TOP_K. Checked where a value enters
 * (the engine's options, each search and ask), so a NaN or 1e9 from a worker message is refused with a reply instead
 * of reaching the scan.
 */
export function checkTopK(topK: unknown): number {
  if (!(Number.isInteger(topK) && (topK as number) >= 1 && (topK as number) <= MAX_TOP_K)) {
    throw new Error(`topK must be a whole number from 1 to ${MAX_TOP_K}, got ${typeof topK === 'string' ? JSON.stringify(topK) : String(topK)}`);
  }
  return topK as number;
}

/** What the engine reports besides its return values: progress and notable events for a log. */
export interface EngineEvents {
  onProgress?: (progress: IndexProgress) => void;
  onLog?: (level: 'info' | 'warn' | 'error', message: string) => void;
}

/** The facade plus the controls only a long-lived host needs (the worker). */
export interface ClaraEngine extends ClaraEngineApi {
  readonly root: string;
  readonly bundle: ModelBundle;
  /** Cancels the running index (its current batch is not committed); the next run resumes. */
  cancel(): void;
  /** While the user types, indexing waits between batches. */
  setUserTyping(typing: boolean): void;
  /** Read-only access for tests and tools (the store implements MemoryReader). */
  readonly store: MemoryStore;
}

export async function openEngine(options: EngineOptions, events: EngineEvents = {}): Promise<ClaraEngine> {
  const bundleDir = options.bundleDir ?? defaultBundleDir();
  const bundle = await loadBundle(bundleDir, { executionProvider: options.executionProvider ?? 'auto' });
  try {
    return await openEngineWithBundle(options, bundle, { ...events, ownsBundle: true });
  } catch (err) {
    await bundle.close();
    throw err;
  }
}

/** openEngine with an already loaded bundle (shared by several engines in tests and benchmarks). */
export async function openEngineWithBundle(
  options: EngineOptions,
  bundle: ModelBundle,
  events: EngineEvents & { ownsBundle?: boolean } = {},
): Promise<ClaraEngine> {
  checkOptions(options);
  const manifest = bundle.manifest;
  const { store, rebuilt } = await MemoryStore.open(options.storeDir, {
    modelVersion: manifest.version,
    dim: manifest.mem_tokens * manifest.hidden,
  });
  if (rebuilt) events.onLog?.('warn', rebuilt);
  return new Engine(options, bundle, store, events);
}

/**
 * Options arrive from the CLI, the extension's settings and the worker protocol: anything malformed is refused with a
 * message naming the option, before a store is touched.
 */
function checkOptions(options: EngineOptions): void {
  const o = options as unknown as Record<string, unknown>;
  for (const key of ['root', 'storeDir'] as const) {
    if (typeof o[key] !== 'string' || !path.isAbsolute(o[key] as string)) {
      throw new Error(`${key} must be an absolute path, got ${JSON.stringify(o[key])}`);
    }
  }
  let info;
  try {
    info = statSync(options.root);
  } catch (err) {
    throw new Error(`root ${options.root} cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  if (!info.isDirectory()) throw new Error(`root ${options.root} is not a folder`);
  if (o.bundleDir !== undefined && typeof o.bundleDir !== 'string') throw new Error('bundleDir must be a path');
  if (o.executionProvider !== undefined && !['auto', 'cpu', 'cuda'].includes(o.executionProvider as string)) {
    throw new Error(`executionProvider must be 'auto', 'cpu' or 'cuda', got ${JSON.stringify(o.executionProvider)}`);
  }
  if (o.topK !== undefined) checkTopK(o.topK);
  if (o.maxFileSizeBytes !== undefined && !(typeof o.maxFileSizeBytes === 'number' && o.maxFileSizeBytes > 0 && Number.isFinite(o.maxFileSizeBytes))) {
    throw new Error(`maxFileSizeBytes must be a positive number of bytes, got ${JSON.stringify(o.maxFileSizeBytes)}`);
  }
  if (o.extraExcludes !== undefined && !(Array.isArray(o.extraExcludes) && o.extraExcludes.every((p) => typeof p === 'string'))) {
    throw new Error('extraExcludes must be a list of glob patterns (strings)');
  }
  if (o.lexicalFusion !== undefined && typeof o.lexicalFusion !== 'boolean') throw new Error('lexicalFusion must be true or false');
}

class Engine implements ClaraEngine {
  readonly root: string;
  private readonly gate = new IndexGate();
  private readonly indexer: Indexer;
  private running: AbortController | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private progress: IndexProgress = { phase: 'idle', filesTotal: 0, filesDone: 0, chunksDone: 0 };
  private closed = false;

  constructor(
    private readonly options: EngineOptions,
    readonly bundle: ModelBundle,
    readonly store: MemoryStore,
    private readonly events: EngineEvents & { ownsBundle?: boolean },
  ) {
    this.root = path.resolve(options.root);
    const excludeDirs = [path.resolve(options.storeDir)];
    const filter = new WorkspaceFilter({
      root: this.root,
      maxFileSizeBytes: options.maxFileSizeBytes,
      extraExcludes: options.extraExcludes,
      excludeDirs,
    });
    this.indexer = new Indexer({ bundle, store, filter, gate: this.gate, extraExcludes: options.extraExcludes ?? [], excludeDirs,
      onLog: events.onLog });
  }

  private report(progress: IndexProgress, listener?: (p: IndexProgress) => void): void {
    this.progress = progress;
    listener?.(progress);
    this.events.onProgress?.(progress);
  }

  /** Runs index work one at a time, under the writer lock, with a signal that cancel() aborts. */
  private exclusive(
    work: (signal: AbortSignal, report: (p: IndexProgress) => void) => Promise<IndexSummary>,
    external?: AbortSignal,
    listener?: (p: IndexProgress) => void,
  ): Promise<IndexSummary> {
    const run = async () => {
      if (this.closed) throw new Error('the engine is closed');
      const controller = new AbortController();
      const onAbort = () => controller.abort();
      external?.addEventListener('abort', onAbort);
      if (external?.aborted) controller.abort();
      this.running = controller;
      const report = (p: IndexProgress) => this.report(p, listener);
      try {
        const lock = await acquireWriterLock(this.options.storeDir, `pid ${process.pid}`, {
          signal: controller.signal,
          onWait: (owner) => report({ ...this.progress, message: `waiting for another indexer (${owner.holder}, since ${owner.startedAt})` }),
        });
        try {
          return await work(controller.signal, report);
        } finally {
          await lock.release();
        }
      } catch (err) {
        if (err instanceof CancelledError || controller.signal.aborted) {
          report({ ...this.progress, phase: 'idle', message: 'cancelled; the next run resumes where this one stopped' });
          throw new CancelledError('indexing cancelled; committed files are kept and the next run resumes');
        }
        const clear = storageError(err, this.options.storeDir);
        report({ ...this.progress, phase: 'error', message: clear.message });
        throw clear;
      } finally {
        external?.removeEventListener('abort', onAbort);
        this.running = null;
      }
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  index(options: { signal?: AbortSignal; onProgress?: (p: IndexProgress) => void } = {}): Promise<IndexSummary> {
    return this.exclusive((signal, report) => this.indexer.indexAll({ signal, onProgress: report }), options.signal, options.onProgress);
  }

  indexPaths(paths: string[]): Promise<IndexSummary> {
    const rel = paths.map((p) => this.toRelative(p)).filter((p): p is string => p !== null);
    return this.exclusive((signal, report) => this.indexer.indexPaths(rel, { signal, onProgress: report }));
  }

  /** Root-relative '/'-separated form of a path; null for a path outside the root. */
  private toRelative(p: string): string | null {
    const abs = path.isAbsolute(p) ? p : path.join(this.root, p);
    const rel = path.relative(this.root, abs);
    if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) return null;
    return rel.split(path.sep).join('/');
  }

  pause(): void {
    this.gate.pause();
  }

  resume(): void {
    this.gate.resume();
  }

  cancel(): void {
    this.running?.abort();
  }

  setUserTyping(typing: boolean): void {
    this.gate.setUserTyping(typing);
  }

  private get topK(): number {
    return this.options.topK ?? DEFAULT_TOP_K;
  }

  async search(question: string, topK?: number): Promise<SearchHit[]> {
    // The same check as ask(): an empty question is refused clearly, control characters never reach the tokenizer.
    return retrieve(this.bundle, this.store, checkQuestion(question), {
      topK: topK === undefined ? this.topK : checkTopK(topK),
      lexicalFusion: this.options.lexicalFusion ?? false,
    });
  }

  async ask(question: string, options: AskOptions = {}): Promise<AnswerResult> {
    // A reader per question: the chunks are read as they are now, redacted as indexing redacted them.
    const sources = new ChunkTextReader(this.root);
    return answerQuestion(this.bundle, this.store, question, {
      ...options,
      topK: options.topK === undefined ? this.topK : checkTopK(options.topK),
      lexicalFusion: this.options.lexicalFusion ?? false,
      chunkText: (hit: SearchHit) => sources.read(hit),
      groundedDecoding: this.options.groundedAnswers !== false,
    });
  }

  private modelInfo(): ModelInfo {
    const m = this.bundle.manifest;
    return { name: m.name, version: m.version, config: m.config, executionProvider: this.bundle.executionProvider };
  }

  async state(): Promise<IndexState> {
    const counts = await this.store.counts();
    const m = this.bundle.manifest;
    const progress = this.gate.isPaused && this.progress.phase === 'indexing'
      ? { ...this.progress, phase: 'paused' as const }
      : this.progress;
    return {
      files: counts.files,
      chunks: counts.chunks,
      memoryTokens: counts.chunks * m.mem_tokens,
      bytesOnDisk: await bytesOnDisk(this.options.storeDir),
      compressionRate: m.compression_rate,
      model: this.modelInfo(),
      lastUpdate: await this.store.lastUpdate(),
      skipped: await this.store.skippedFiles(),
      progress: { ...progress },
    };
  }

  async clear(): Promise<void> {
    this.cancel();
    await this.exclusive(async () => {
      await this.store.clear();
      return { filesIndexed: 0, filesUnchanged: 0, filesRemoved: 0, filesSkipped: 0, chunksCompressed: 0, chunksReused: 0, ms: 0 };
    }).catch((err) => {
      if (!(err instanceof CancelledError)) throw err;
    });
    this.report({ phase: 'idle', filesTotal: 0, filesDone: 0, chunksDone: 0 });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.cancel();
    await this.queue;
    this.closed = true;
    this.store.close();
    if (this.events.ownsBundle) await this.bundle.close();
  }
}

/**
 * A full disk or an unwritable index folder surfaces from LanceDB or fs as a long low-level message; the user needs
 * to know which folder, what is wrong, and that nothing indexed is lost. Other errors pass through unchanged.
 */
function storageError(err: unknown, storeDir: string): Error {
  const message = err instanceof Error ? err.message : String(err);
  const first = message.split('\n')[0];
  if (/no space left on device|ENOSPC|os error 28\b|quota exceeded|EDQUOT/i.test(message)) {
    return new Error(`no space left on the disk holding the index (${storeDir}); indexing stopped — what was indexed ` +
      `is kept and the next run resumes once there is space (${first.slice(0, 200)})`);
  }
  if (/EROFS|read-only file system|os error 30\b/i.test(message)) {
    return new Error(`the index folder ${storeDir} is on a read-only file system; indexing stopped — what was indexed ` +
      `is kept and search still works (${first.slice(0, 200)})`);
  }
  return err instanceof Error ? err : new Error(message);
}
