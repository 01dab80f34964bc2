/**
 * The shell's engine client (extension/engine-client.ts) against the real bundled worker, dist/engine-worker.js:
 * request/reply pairing, streamed tokens routed by ask id, clear errors, and what happens when the worker thread
 * dies (pending requests fail with a message, the worker restarts and reopens, repeated deaths stop the restarts).
 * A death is produced for real by terminating the worker thread from outside, as a crash in native code would.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import type { Worker } from 'node:worker_threads';
import { EngineClient } from '../../extension/engine-client';
import { bundleUnderTest } from '../bundle/bundle-under-test';
import { FixtureRepo, MULTI_LANGUAGE_PROJECT, tempDir } from '../fixtures/fixture-repo';

const WORKER = path.resolve(__dirname, '..', '..', 'dist', 'engine-worker.js');

let repo: FixtureRepo;
let store: { dir: string; dispose: () => void };

before(() => {
  assert.ok(existsSync(WORKER), `${WORKER} is missing: run npm run build first`);
  repo = new FixtureRepo(MULTI_LANGUAGE_PROJECT);
  store = tempDir();
});
after(() => {
  repo?.dispose();
  store?.dispose();
});

function kill(client: EngineClient): Promise<number> {
  const worker = (client as unknown as { worker: Worker }).worker;
  return worker.terminate();
}

function once<T extends unknown[]>(client: EngineClient, event: 'crashed' | 'restarted' | 'log', match: (...args: T) => boolean = () => true): Promise<T> {
  return new Promise((resolve) => {
    const listener = (...args: unknown[]) => {
      if (!match(...(args as T))) return;
      client.off(event, listener as never);
      resolve(args as T);
    };
    client.on(event, listener as never);
  });
}

test('a bundle that does not load is a clear error, and the client stays usable', async () => {
  const client = new EngineClient(WORKER);
  try {
    await assert.rejects(
      client.open({ root: repo.root, storeDir: store.dir, bundleDir: repo.abs('src'), executionProvider: 'cpu' }),
      (err: Error) => /manifest|bundle/i.test(err.message),
    );
    assert.equal(client.isOpen, false, 'a failed open leaves the client not open, so the shell opens again');
    await assert.rejects(client.search('anything'), (err: Error) => err.message.length > 0, 'a request before a successful open is refused by the worker');
  } finally {
    await client.dispose();
  }
});

test('a worker that dies fails its pending requests, restarts and reopens; repeated deaths stop the restarts', async () => {
  const client = new EngineClient(WORKER);
  const badBundle = { root: repo.root, storeDir: store.dir, bundleDir: repo.abs('src'), executionProvider: 'cpu' as const };
  try {
    await client.open(badBundle).catch(() => undefined);
    const crashed = once<[string, boolean]>(client, 'crashed');
    const reopenFailed = once<[string, string]>(client, 'log', (level, m) => level === 'error' && /restarting the engine failed/.test(m));
    // The request goes out after the thread was told to stop, so it cannot be answered: sent before, a loaded
    // machine let the worker refuse it ("not open") first, which is not what this test is about.
    const killed = kill(client);
    const lost = assert.rejects(client.request({ type: 'state' }), /stopped unexpectedly.*request was lost/);
    await killed;
    await lost;
    const [message, restarting] = await crashed;
    assert.match(message, /stopped unexpectedly \(exit code 1\); restarting it/);
    assert.equal(restarting, true);
    await reopenFailed; // the restarted worker really ran 'open' again with the last options

    let last: [string, boolean] = ['', true];
    for (let i = 0; i < 3; i++) {
      const next = once<[string, boolean]>(client, 'crashed');
      await new Promise((r) => setTimeout(r, 50)); // let the restart create its worker
      await kill(client);
      last = await next;
    }
    assert.equal(last[1], false, 'the fourth death within a minute is not restarted');
    assert.match(last[0], /died 4 times in a minute/);
  } finally {
    await client.dispose();
  }
});

test('open, index, ask: tokens arrive as events of this ask id and add up to the answer', async () => {
  const client = new EngineClient(WORKER);
  try {
    await client.open({ root: repo.root, storeDir: store.dir, bundleDir: bundleUnderTest(), executionProvider: 'cpu', topK: 3 });
    assert.equal(client.isOpen, true);
    const summary = await client.indexAll();
    assert.ok(summary.filesIndexed > 0);
    const state = await client.state();
    assert.equal(state.files, summary.filesIndexed);
    const tokens: Array<[number, string]> = [];
    client.on('token', (askId, text) => tokens.push([askId, text]));
    const { askId, result } = client.ask('How is the invoice total computed?', 3);
    const answer = await result;
    assert.ok(answer.retrieved.length > 0 && answer.retrieved.length <= 3);
    assert.ok(tokens.every(([id]) => id === askId), 'every token carries the id the client returned');
    if (!answer.abstained) assert.equal(tokens.map(([, t]) => t).join('').trim(), answer.answer.trim());
  } finally {
    await client.dispose();
  }
});
