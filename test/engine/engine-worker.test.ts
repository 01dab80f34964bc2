/**
 * The bundled worker (dist/engine-worker.js, built by `npm run build`) in a real worker_thread, driven only through
 * worker-protocol.ts: open, indexAll, search, ask with streamed tokens, stopAsk, the watcher's indexChanged, and
 * malformed messages that must be logged and ignored.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import type { AnswerResult, IndexState, IndexSummary, SearchHit } from '../../extension/engine/engine-api';
import { readManifest } from '../../extension/engine/model/manifest-check';
import { isWorkerEvent, type WorkerEvent, type WorkerRequest } from '../../extension/engine/worker/worker-protocol';
import { bundleUnderTest } from '../bundle/bundle-under-test';
import { FixtureRepo, MULTI_LANGUAGE_PROJECT, tempDir } from '../fixtures/fixture-repo';

const WORKER = path.resolve(__dirname, '..', '..', 'dist', 'engine-worker.js');

type RequestBody = WorkerRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

class WorkerClient {
  readonly events: WorkerEvent[] = [];
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly listeners: Array<(e: WorkerEvent) => void> = [];

  constructor(readonly worker: Worker) {
    worker.on('message', (message: unknown) => {
      assert.ok(isWorkerEvent(message), `the worker sent a message outside the protocol: ${JSON.stringify(message)}`);
      this.events.push(message);
      this.listeners.forEach((l) => l(message));
      if (message.type === 'reply') {
        const pending = this.waiting.get(message.id);
        this.waiting.delete(message.id);
        if (message.ok) pending?.resolve(message.result);
        else pending?.reject(new Error(message.error));
      }
    });
  }

  /** Sends a request; resolves with its reply's result. Returns the id too (for stopAsk). */
  send<T>(body: RequestBody): { id: number; reply: Promise<T> } {
    const id = this.nextId++;
    const reply = new Promise<T>((resolve, reject) => this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject }));
    this.worker.postMessage({ ...body, id });
    return { id, reply };
  }

  call<T>(body: RequestBody): Promise<T> {
    return this.send<T>(body).reply;
  }

  next(predicate: (e: WorkerEvent) => boolean, timeoutMs = 30_000): Promise<WorkerEvent> {
    const found = this.events.find(predicate);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('timed out waiting for a worker event')), timeoutMs);
      this.listeners.push((e) => {
        if (predicate(e)) {
          clearTimeout(timer);
          resolve(e);
        }
      });
    });
  }
}

describe('engine worker (dist/engine-worker.js)', () => {
  let client: WorkerClient;
  let repo: FixtureRepo;
  let store: { dir: string; dispose: () => void };

  before(() => {
    assert.ok(existsSync(WORKER), `${WORKER} is missing: run \`npm run build\` first (npm test does)`);
    repo = new FixtureRepo(MULTI_LANGUAGE_PROJECT);
    store = tempDir();
    client = new WorkerClient(new Worker(WORKER));
  });
  after(async () => {
    await client.worker.terminate();
    repo.dispose();
    store.dispose();
  });

  it('logs and ignores malformed messages, and refuses work before open with a clear error', async () => {
    client.worker.postMessage({ type: 'explode', id: 1 });
    client.worker.postMessage('not even an object');
    client.worker.postMessage({ type: 'search', id: 2 }); // no question
    const logs = await client.next((e) => e.type === 'log' && e.message.includes('"search"'));
    assert.equal(logs.type === 'log' && logs.level, 'warn');
    const warnings = client.events.filter((e) => e.type === 'log' && e.message.startsWith('ignored a malformed message'));
    assert.equal(warnings.length, 3);
    assert.equal(client.events.filter((e) => e.type === 'reply').length, 0, 'no reply to a malformed message');
    await assert.rejects(client.call({ type: 'state' }), /the engine is not open/);
  });

  it('replies to an open with a broken bundle or a relative root with an error naming the problem', async () => {
    await assert.rejects(
      client.call({ type: 'open', options: { root: repo.root, storeDir: store.dir, bundleDir: repo.abs('src'), executionProvider: 'cpu' } }),
      /manifest\.json/,
    );
    await assert.rejects(
      client.call({ type: 'open', options: { root: 'relative/dir', storeDir: store.dir, bundleDir: bundleUnderTest(), executionProvider: 'cpu' } }),
      /root must be an absolute path/,
    );
    await assert.rejects(client.call({ type: 'state' }), /the engine is not open/);
  });

  it('opens, indexes with progress events, and searches', async () => {
    // Without CLARA_BUNDLE_DIR the worker finds models/default.json itself, from dist/, as it does in the extension.
    const bundleDir = process.env.CLARA_BUNDLE_DIR ? bundleUnderTest() : undefined;
    const opened = await client.call<IndexState>({ type: 'open', options: { root: repo.root, storeDir: store.dir, bundleDir, executionProvider: 'cpu' } });
    assert.equal(opened.files, 0);
    const manifest = readManifest(bundleUnderTest());
    assert.deepEqual([opened.model.name, opened.model.version, opened.model.executionProvider], [manifest.name, manifest.version, 'cpu']);
    const summary = await client.call<IndexSummary>({ type: 'indexAll' });
    assert.equal(summary.filesIndexed, Object.keys(MULTI_LANGUAGE_PROJECT).length);
    assert.ok(client.events.some((e) => e.type === 'progress' && e.progress.phase === 'scanning'));
    assert.ok(client.events.some((e) => e.type === 'progress' && e.progress.phase === 'done'));
    const changed = await client.next((e) => e.type === 'indexChanged');
    assert.equal(changed.type === 'indexChanged' && changed.state.files, summary.filesIndexed);
    const hits = await client.call<SearchHit[]>({ type: 'search', question: 'compute the invoice total with tax', topK: 3 });
    assert.equal(hits.length, 3);
    assert.deepEqual(hits.map((h) => h.rank), [1, 2, 3]);
    assert.ok(hits.every((h) => Object.keys(MULTI_LANGUAGE_PROJECT).includes(h.path)));
  });

  it('streams ask tokens tagged with the ask request id, and answers with citations from the retrieved memories', async () => {
    const { id, reply } = client.send<AnswerResult>({ type: 'ask', question: 'how is stock removed from the inventory?', topK: 3 });
    const answer = await reply;
    const tokens = client.events.filter((e) => e.type === 'token' && e.askId === id).map((e) => (e as { text: string }).text);
    assert.ok(tokens.length > 0, 'tokens are streamed');
    assert.equal(tokens.join('').trim(), answer.answer); // the final answer is trimmed, the stream is as generated
    assert.equal(answer.retrieved.length, 3);
    for (const c of answer.citations) assert.ok(answer.retrieved.some((h) => h.path === c.path && h.startLine === c.startLine));
  });

  it('stopAsk aborts a running ask', async () => {
    const ask = client.send<AnswerResult>({ type: 'ask', question: 'explain every function of the project in detail', topK: 3 });
    await client.call({ type: 'stopAsk', askId: ask.id });
    // Either the answer was already complete or it stopped early; it never hangs or crashes the worker.
    await ask.reply.catch((err: Error) => assert.match(err.message, /abort/i));
    const state = await client.call<IndexState>({ type: 'state' });
    assert.equal(state.files, Object.keys(MULTI_LANGUAGE_PROJECT).length);
  });

  it('indexes a file written to the workspace through its watcher', async () => {
    const before = client.events.length;
    repo.write('src/shipping.py', 'def shipping_cost(weight_kg):\n    return 4.5 + weight_kg * 1.2\n');
    const changed = await client.next((e) => e.type === 'indexChanged' && client.events.indexOf(e) >= before);
    assert.equal(changed.type === 'indexChanged' && changed.state.files, Object.keys(MULTI_LANGUAGE_PROJECT).length + 1);
  });

  it('pause, resume, setUserTyping, cancel and clear reply; close ends the engine', async () => {
    for (const body of [{ type: 'pause' }, { type: 'resume' }, { type: 'setUserTyping', typing: true }, { type: 'setUserTyping', typing: false }, { type: 'cancel' }] as RequestBody[]) {
      assert.equal(await client.call(body), null);
    }
    await client.call({ type: 'clear' });
    assert.equal((await client.call<IndexState>({ type: 'state' })).chunks, 0);
    assert.equal(await client.call({ type: 'close' }), null);
  });
});
