/**
 * Host side of the engine worker protocol (extension/engine/worker/worker-protocol.ts): starts dist/engine-worker.js
 * in a worker_thread, pairs requests with replies by id (with timeouts), re-emits progress / indexChanged / token /
 * log events, and restarts the worker — reopening the engine with the last options — when it dies.
 * No 'vscode' import: the shell wires it to the UI, and it can run under plain Node.
 */
import { EventEmitter } from 'node:events';
import { Worker } from 'node:worker_threads';
import type { AnswerResult, EngineOptions, IndexProgress, IndexState, IndexSummary, SearchHit } from './engine/engine-api';
import { ensureLanceCpuThreads } from './engine/store/lance-threads';
import { isWorkerEvent, type WorkerEvent, type WorkerRequest } from './engine/worker/worker-protocol';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
export type RequestBody = DistributiveOmit<WorkerRequest, 'id'>;

/** Request kinds that do unbounded work (indexing a large workspace); progress events show they are alive. */
const NO_TIMEOUT = new Set<RequestBody['type']>(['indexAll', 'indexPaths']);
const TIMEOUT_MS: Partial<Record<RequestBody['type'], number>> = { open: 180_000, ask: 600_000, search: 120_000, clear: 120_000 };
const DEFAULT_TIMEOUT_MS = 30_000;
/** More deaths than this within RESTART_WINDOW_MS stop the automatic restarts: something is broken, say so. */
const MAX_RESTARTS = 3;
const RESTART_WINDOW_MS = 60_000;

interface Pending {
  type: string;
  resolve(result: unknown): void;
  reject(err: Error): void;
  timer?: ReturnType<typeof setTimeout>;
}

export interface EngineClientEvents {
  progress: [IndexProgress];
  indexChanged: [IndexState];
  token: [askId: number, text: string];
  log: [level: 'info' | 'warn' | 'error', message: string];
  /** The worker died; `restarting` says whether the client starts a new one. */
  crashed: [message: string, restarting: boolean];
  /** A restarted worker reopened the engine. */
  restarted: [];
}

export class EngineClient extends EventEmitter<EngineClientEvents> {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private lastOpen: EngineOptions | undefined;
  /** The current worker answered 'open' successfully. */
  private opened = false;
  private deaths: number[] = [];
  private disposed = false;

  constructor(private readonly workerPath: string) {
    super();
  }

  /** Starts the worker (if needed) and opens the engine on `options`. */
  async open(options: EngineOptions): Promise<void> {
    this.lastOpen = options; // kept even if this open fails: a restarted worker retries it
    this.opened = false;
    this.ensureWorker();
    await this.request({ type: 'open', options });
    this.opened = true;
  }

  get isOpen(): boolean {
    return this.worker !== undefined && this.opened;
  }

  state(): Promise<IndexState> {
    return this.request({ type: 'state' }) as Promise<IndexState>;
  }

  indexAll(): Promise<IndexSummary> {
    return this.request({ type: 'indexAll' }) as Promise<IndexSummary>;
  }

  indexPaths(paths: string[]): Promise<IndexSummary> {
    return this.request({ type: 'indexPaths', paths }) as Promise<IndexSummary>;
  }

  search(question: string, topK?: number): Promise<SearchHit[]> {
    return this.request({ type: 'search', question, topK }) as Promise<SearchHit[]>;
  }

  /** Starts a question; tokens arrive as 'token' events carrying `askId`, which stop() takes. */
  ask(question: string, topK?: number): { askId: number; result: Promise<AnswerResult> } {
    const askId = this.nextId;
    return { askId, result: this.request({ type: 'ask', question, topK }) as Promise<AnswerResult> };
  }

  async stopAsk(askId: number): Promise<void> {
    await this.request({ type: 'stopAsk', askId });
  }

  async simple(type: 'pause' | 'resume' | 'cancel' | 'clear'): Promise<void> {
    await this.request({ type });
  }

  setUserTyping(typing: boolean): void {
    // Fire-and-forget: a lost hint only means indexing did not pause for a moment.
    this.request({ type: 'setUserTyping', typing }).catch(() => undefined);
  }

  request(body: RequestBody): Promise<unknown> {
    if (this.disposed) return Promise.reject(new Error('CLaRa engine client is shut down'));
    const worker = this.ensureWorker();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const p: Pending = { type: body.type, resolve, reject };
      if (!NO_TIMEOUT.has(body.type)) {
        const ms = TIMEOUT_MS[body.type] ?? DEFAULT_TIMEOUT_MS;
        p.timer = setTimeout(() => {
          this.pending.delete(id);
          reject(new Error(`CLaRa engine did not answer '${body.type}' within ${Math.round(ms / 1000)} s`));
        }, ms);
      }
      this.pending.set(id, p);
      worker.postMessage({ ...body, id } as WorkerRequest);
    });
  }

  /** Asks the engine to close, then ends the worker. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    const worker = this.worker;
    if (worker && this.lastOpen) {
      await Promise.race([this.request({ type: 'close' }).catch(() => undefined), delay(3000)]);
    }
    this.disposed = true;
    this.worker = undefined;
    this.failAll('CLaRa engine client is shut down');
    await worker?.terminate();
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    // The worker's LanceDB reads the process environment, which only this (main) thread can set.
    ensureLanceCpuThreads();
    const worker = new Worker(this.workerPath);
    worker.on('message', (m: unknown) => this.onMessage(m));
    worker.on('error', (err) => this.emit('log', 'error', `engine worker error: ${err.stack ?? err.message}`));
    worker.on('exit', (code) => this.onExit(worker, code));
    this.worker = worker;
    return worker;
  }

  private onMessage(m: unknown): void {
    if (!isWorkerEvent(m)) {
      this.emit('log', 'warn', `ignored a malformed message from the engine worker: ${preview(m)}`);
      return;
    }
    const e: WorkerEvent = m;
    switch (e.type) {
      case 'reply': {
        const p = this.pending.get(e.id);
        if (!p) return; // timed out earlier, or a reply to a fire-and-forget request
        this.pending.delete(e.id);
        if (p.timer) clearTimeout(p.timer);
        if (e.ok) p.resolve(e.result ?? null);
        else p.reject(new Error(e.error));
        return;
      }
      case 'progress': this.emit('progress', e.progress); return;
      case 'indexChanged': this.emit('indexChanged', e.state); return;
      case 'token': this.emit('token', e.askId, e.text); return;
      case 'log': this.emit('log', e.level ?? 'info', e.message); return;
    }
  }

  private onExit(worker: Worker, code: number): void {
    if (this.worker !== worker) return; // an old worker we already replaced or terminated
    this.worker = undefined;
    this.opened = false;
    if (this.disposed) return;
    const message = `CLaRa engine worker stopped unexpectedly (exit code ${code})`;
    this.failAll(`${message}; the request was lost`);
    const now = Date.now();
    this.deaths = [...this.deaths.filter((t) => now - t < RESTART_WINDOW_MS), now];
    const restarting = this.lastOpen !== undefined && this.deaths.length <= MAX_RESTARTS;
    this.emit('crashed', restarting ? `${message}; restarting it` :
      `${message}; it died ${this.deaths.length} times in a minute, so it is not restarted. Run "CLaRa: Reindex Workspace" to try again.`,
    restarting);
    if (restarting && this.lastOpen) {
      const options = this.lastOpen;
      this.open(options).then(() => this.emit('restarted'),
        (err: Error) => this.emit('log', 'error', `restarting the engine failed: ${err.message}`));
    }
  }

  /** Lets an explicit user action (reindex) try again after automatic restarts gave up. */
  resetRestartBudget(): void {
    this.deaths = [];
  }

  private failAll(message: string): void {
    for (const [id, p] of this.pending) {
      if (p.timer) clearTimeout(p.timer);
      p.reject(new Error(message));
      this.pending.delete(id);
    }
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref?.());
}

function preview(v: unknown): string {
  try {
    return JSON.stringify(v).slice(0, 200);
  } catch {
    return String(v).slice(0, 200);
  }
}
