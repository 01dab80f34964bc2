/**
 * Fault: two processes on one workspace. Two `clara index` runs started together (and the engine worker next to a
 * CLI run): one writes at a time, the other says it waits and then finds nothing left to do; a reader (`clara
 * search`) answers meanwhile; the result equals a fresh index. Stale locks — a dead pid, a half-written lock file —
 * are taken over; a lock held by a live process is waited for until it goes.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import { openEngineWithBundle } from '../../extension/engine/clara-engine';
import type { IndexSummary } from '../../extension/engine/engine-api';
import type { ModelBundle } from '../../extension/engine/engine-parts';
import { loadBundle } from '../../extension/engine/model/load-bundle';
import type { WorkerEvent } from '../../extension/engine/worker/worker-protocol';
import { bundleUnderTest } from '../bundle/bundle-under-test';
import { FixtureRepo, tempDir } from '../fixtures/fixture-repo';
import { assertSameIndex, clara, jsonOut, pythonModules, sleep, snapshotOf, startCli, type StoreSnapshot, WORKER } from './reliability-kit';

const BUNDLE = bundleUnderTest();
const FILES = pythonModules(240, 2);
let bundle: ModelBundle;
let fresh: StoreSnapshot;
const cleanups: Array<() => unknown> = [];

before(async () => {
  bundle = await loadBundle(BUNDLE, { executionProvider: 'cpu' });
  const ref = new FixtureRepo(FILES, 'clara-2w-ref-');
  cleanups.push(() => ref.dispose());
  const t = tempDir();
  cleanups.push(t.dispose);
  const engine = await openEngineWithBundle({ root: ref.root, storeDir: t.dir }, bundle);
  await engine.index();
  fresh = await snapshotOf(engine);
  await engine.close();
});
after(async () => {
  for (const c of cleanups.reverse()) await c();
  await bundle?.close();
});

function repoOf(): FixtureRepo {
  const repo = new FixtureRepo(FILES, 'clara-2w-');
  cleanups.push(() => repo.dispose());
  return repo;
}

async function assertFresh(root: string, what: string): Promise<void> {
  const engine = await openEngineWithBundle({ root, storeDir: path.join(root, '.clara') }, bundle);
  try {
    assertSameIndex(await snapshotOf(engine), fresh, what);
  } finally {
    await engine.close();
  }
}

async function waitFor(cond: () => boolean, what: string, ms = 60_000): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

const lockFile = (root: string) => path.join(root, '.clara', 'writer.lock');
const indexArgs = (root: string) => ['index', root, '--json', '--bundle', BUNDLE, '--provider', 'cpu'];

describe('fault: two writers on one workspace', () => {
  it('two CLI index runs: one writes, the other waits and then has nothing to do; a search answers meanwhile', async () => {
    const repo = repoOf();
    const first = startCli(indexArgs(repo.root));
    await waitFor(() => existsSync(lockFile(repo.root)), 'the first run to take the writer lock');
    const second = startCli(indexArgs(repo.root));
    const reader = await clara(['search', repo.root, 'scales the value', '--json', '--bundle', BUNDLE, '--provider', 'cpu']);
    assert.equal(reader.code, 0, `a reader is not blocked by the writer: ${reader.stderr}`);
    const [a, b] = await Promise.all([first.done, second.done]);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(b.code, 0, b.stderr);
    assert.match(b.stderr, /waiting for another indexer \(pid \d+/, 'the second run says it waits, and for whom');
    const sa = jsonOut<{ summary: IndexSummary }>(a).summary;
    const sb = jsonOut<{ summary: IndexSummary }>(b).summary;
    console.log(`[two-writers] first ${JSON.stringify(sa)}\n[two-writers] second ${JSON.stringify(sb)}`);
    assert.equal(sa.filesIndexed, Object.keys(FILES).length);
    assert.deepEqual([sb.filesIndexed, sb.chunksCompressed, sb.filesUnchanged], [0, 0, Object.keys(FILES).length], 'no work done twice');
    assert.ok(!existsSync(lockFile(repo.root)), 'the lock is released');
    await assertFresh(repo.root, 'after two concurrent CLI runs');
  });

  it('the engine worker and the CLI on the same store: one writer at a time, both finish, no corruption', async () => {
    const repo = repoOf();
    const worker = new Worker(WORKER);
    cleanups.push(() => worker.terminate());
    const logs: string[] = [];
    const progress: string[] = [];
    let next = 1;
    const replies = new Map<number, (m: WorkerEvent) => void>();
    worker.on('message', (m: WorkerEvent) => {
      if (m.type === 'reply') replies.get(m.id)?.(m);
      if (m.type === 'log') logs.push(m.message);
      if (m.type === 'progress' && m.progress.message) progress.push(m.progress.message);
    });
    const call = (body: Record<string, unknown>) => new Promise<WorkerEvent>((resolve) => {
      const id = next++;
      replies.set(id, resolve);
      worker.postMessage({ ...body, id });
    });
    const opened = await call({ type: 'open', options: { root: repo.root, storeDir: path.join(repo.root, '.clara'), bundleDir: BUNDLE, executionProvider: 'cpu' } });
    assert.ok(opened.type === 'reply' && opened.ok, JSON.stringify(opened));
    const cli = startCli(indexArgs(repo.root));
    await waitFor(() => existsSync(lockFile(repo.root)), 'the CLI to take the writer lock');
    const indexed = await call({ type: 'indexAll' });
    const c = await cli.done;
    assert.equal(c.code, 0, c.stderr);
    assert.ok(indexed.type === 'reply' && indexed.ok, JSON.stringify(indexed));
    const ws = (indexed as { result: IndexSummary }).result;
    console.log(`[two-writers] worker after the CLI: ${JSON.stringify(ws)}; waited: ${progress.some((m) => /waiting for another indexer/.test(m))}`);
    assert.equal(ws.chunksCompressed + jsonOut<{ summary: IndexSummary }>(c).summary.chunksCompressed, fresh.chunks.length,
      'every chunk compressed exactly once between the two writers');
    await call({ type: 'close' });
    await assertFresh(repo.root, 'after the worker and the CLI');
  });

  it('a stale lock (dead pid) and a half-written lock are taken over', async () => {
    const dead = spawnSync(process.execPath, ['-e', '0']).pid as number;
    for (const content of [JSON.stringify({ pid: dead, startedAt: new Date().toISOString(), holder: 'cli' }), '{"pid": 12']) {
      const repo = repoOf();
      mkdirSync(path.join(repo.root, '.clara'), { recursive: true });
      writeFileSync(lockFile(repo.root), content);
      const r = await clara(indexArgs(repo.root));
      assert.equal(r.code, 0, r.stderr);
      assert.equal(jsonOut<{ summary: IndexSummary }>(r).summary.filesIndexed, Object.keys(FILES).length);
      assert.ok(!existsSync(lockFile(repo.root)));
    }
  });

  it('a lock held by a live process is waited for, then taken when that process ends', async () => {
    const repo = repoOf();
    const holder = spawn('sleep', ['600']);
    cleanups.push(() => holder.kill('SIGKILL'));
    mkdirSync(path.join(repo.root, '.clara'), { recursive: true });
    writeFileSync(lockFile(repo.root), JSON.stringify({ pid: holder.pid, startedAt: new Date().toISOString(), holder: 'extension' }));
    const run = startCli(indexArgs(repo.root));
    let stderr = '';
    run.child.stderr?.on('data', (d) => { stderr += String(d); });
    await waitFor(() => /waiting for another indexer \(extension/.test(stderr), 'the CLI to report that it waits');
    await sleep(1_000);
    assert.equal(run.child.exitCode, null, 'the CLI is still waiting');
    holder.kill('SIGKILL');
    const r = await run.done;
    assert.equal(r.code, 0, r.stderr);
    await assertFresh(repo.root, 'after waiting for a live lock holder');
  });
});
