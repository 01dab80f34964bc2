/**
 * The engine's worker_thread entry (bundled to dist/engine-worker.js). The VS Code shell talks to it only through
 * worker-protocol.ts: every incoming message is validated (anything else is logged and ignored), every request gets
 * one reply with its id, and progress, index changes, streamed answer tokens and logs flow back as events. The
 * workspace watcher lives here, so file changes are indexed without a round trip through the host.
 */
import { parentPort } from 'node:worker_threads';
import { type ClaraEngine, openEngine } from '../clara-engine';
import { CancelledError } from '../indexing/index-gate';
import { WorkspaceWatcher } from '../watch/workspace-watcher';
import { isWorkerRequest, type WorkerEvent, type WorkerRequest } from './worker-protocol';

type Reply = Extract<WorkerEvent, { type: 'reply'; ok: true }>['result'];

const port = parentPort;
if (!port) throw new Error('engine-worker must run inside a worker_thread');

let engine: ClaraEngine | null = null;
/** Why the last open failed (e.g. the bundle file that is missing), so later requests can say why they cannot answer. */
let openFailure: string | null = null;
let watcher: WorkspaceWatcher | null = null;
const asks = new Map<number, AbortController>();

function post(event: WorkerEvent): void {
  port!.postMessage(event);
}

function log(level: 'info' | 'warn' | 'error', message: string): void {
  post({ type: 'log', level, message });
}

function describe(value: unknown): string {
  try {
    const text = JSON.stringify(value);
    return text === undefined ? String(value) : text.length > 200 ? `${text.slice(0, 200)}…` : text;
  } catch {
    return String(value);
  }
}

function requireEngine(): ClaraEngine {
  if (!engine) {
    throw new Error(openFailure ? `the engine is not open: it failed to open (${openFailure})` : 'the engine is not open: send {type: "open"} first');
  }
  return engine;
}

async function announceChange(): Promise<void> {
  if (engine) post({ type: 'indexChanged', state: await engine.state() });
}

async function closeEngine(): Promise<void> {
  for (const controller of asks.values()) controller.abort();
  asks.clear();
  const w = watcher;
  const e = engine;
  watcher = null;
  engine = null;
  await w?.close();
  await e?.close();
}

async function open(request: Extract<WorkerRequest, { type: 'open' }>): Promise<Reply> {
  await closeEngine();
  let opened: ClaraEngine;
  try {
    opened = await openEngine(request.options, {
      onProgress: (progress) => post({ type: 'progress', progress }),
      onLog: log,
    });
  } catch (err) {
    openFailure = err instanceof Error ? err.message : String(err);
    throw err;
  }
  openFailure = null;
  engine = opened;
  watcher = new WorkspaceWatcher({
    root: opened.root,
    excludeDirs: [request.options.storeDir],
    onChanges: (paths) => {
      if (engine !== opened) return;
      opened.indexPaths(paths)
        .then((summary) => {
          if (summary.filesIndexed + summary.filesRemoved + summary.filesSkipped > 0) return announceChange();
          return undefined;
        })
        .catch((err) => {
          if (!(err instanceof CancelledError)) log('warn', `indexing changed files failed: ${(err as Error).message}`);
        });
    },
    onError: (message) => log('warn', message),
  });
  log('info', `engine open on ${opened.root} (model ${opened.bundle.manifest.name} ${opened.bundle.manifest.version}, ` +
    `${opened.bundle.executionProvider})`);
  return opened.state();
}

async function handle(request: WorkerRequest): Promise<Reply> {
  switch (request.type) {
    case 'open':
      return open(request);
    case 'indexAll': {
      const summary = await requireEngine().index();
      await announceChange();
      return summary;
    }
    case 'indexPaths': {
      const summary = await requireEngine().indexPaths(request.paths);
      await announceChange();
      return summary;
    }
    case 'pause':
      requireEngine().pause();
      return null;
    case 'resume':
      requireEngine().resume();
      return null;
    case 'cancel':
      requireEngine().cancel();
      return null;
    case 'clear':
      await requireEngine().clear();
      await announceChange();
      return null;
    case 'state':
      return requireEngine().state();
    case 'search':
      return requireEngine().search(request.question, request.topK);
    case 'ask': {
      const current = requireEngine();
      const controller = new AbortController();
      asks.set(request.id, controller);
      try {
        return await current.ask(request.question, {
          topK: request.topK,
          signal: controller.signal,
          onToken: (text) => post({ type: 'token', askId: request.id, text }),
        });
      } finally {
        asks.delete(request.id);
      }
    }
    case 'stopAsk':
      asks.get(request.askId)?.abort();
      return null;
    case 'setUserTyping':
      requireEngine().setUserTyping(request.typing);
      return null;
    case 'close':
      await closeEngine();
      return null;
  }
}

port.on('message', (message: unknown) => {
  if (!isWorkerRequest(message)) {
    log('warn', `ignored a malformed message: ${describe(message)}`);
    return;
  }
  handle(message).then(
    (result) => {
      post({ type: 'reply', id: message.id, ok: true, result: result ?? null });
      if (message.type === 'close') setImmediate(() => port.close());
    },
    (err: unknown) => post({ type: 'reply', id: message.id, ok: false, error: err instanceof Error ? err.message : String(err) }),
  );
});

process.on('unhandledRejection', (reason) => log('error', `unhandled: ${reason instanceof Error ? reason.stack : String(reason)}`));
