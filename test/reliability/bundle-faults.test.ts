/**
 * Fault: the model bundle missing, truncated, or not matching its manifest, met where users meet it — `clara search`
 * and `clara ask` on an already indexed workspace (child processes of dist/cli.js), and the engine worker
 * (dist/engine-worker.js) that the extension starts. Each must end with a clear message naming the file; the worker
 * must stay alive and keep saying why it cannot answer. The index built with the good bundle is not touched.
 */
import assert from 'node:assert/strict';
import { cpSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import type { WorkerEvent } from '../../extension/engine/worker/worker-protocol';
import { bundleUnderTest } from '../bundle/bundle-under-test';
import { FixtureRepo, MULTI_LANGUAGE_PROJECT, tempDir } from '../fixtures/fixture-repo';
import { clara, grepTree, WORKER } from './reliability-kit';

const GOOD = bundleUnderTest();
let repo: FixtureRepo;
const cleanups: Array<() => unknown> = [];

before(async () => {
  repo = new FixtureRepo(MULTI_LANGUAGE_PROJECT, 'clara-bundlefault-');
  cleanups.push(() => repo.dispose());
  const r = await clara(['index', repo.root, '--bundle', GOOD, '--provider', 'cpu']);
  assert.equal(r.code, 0, r.stderr);
});
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

interface Damage {
  what: string;
  /** The file the message must name. */
  file: string;
  apply: (dir: string) => void;
}

const DAMAGES: Damage[] = [
  { what: 'compressor.onnx missing', file: 'compressor.onnx', apply: (d) => rmSync(path.join(d, 'compressor.onnx')) },
  { what: 'query.onnx truncated', file: 'query.onnx', apply: (d) => truncateSync(path.join(d, 'query.onnx'), Math.floor(statSync(path.join(d, 'query.onnx')).size / 3)) },
  { what: 'generator.onnx one byte changed', file: 'generator.onnx', apply: (d) => {
    const f = path.join(d, 'generator.onnx');
    const bytes = readFileSync(f);
    bytes[bytes.length >> 1] ^= 0xff;
    writeFileSync(f, bytes);
  } },
  { what: 'tokenizer.json edited (sha256 mismatch)', file: 'tokenizer.json', apply: (d) => {
    const f = path.join(d, 'tokenizer.json');
    writeFileSync(f, readFileSync(f, 'utf8').replace('"model"', '"model" ') );
  } },
  { what: 'manifest.json missing', file: 'manifest.json', apply: (d) => rmSync(path.join(d, 'manifest.json')) },
  { what: 'manifest.json not JSON', file: 'manifest.json', apply: (d) => writeFileSync(path.join(d, 'manifest.json'), '{"format": "clara-bundle/1", ') },
  { what: 'the bundle folder missing', file: 'manifest.json', apply: (d) => rmSync(d, { recursive: true, force: true }) },
];

function damagedCopy(d: Damage): string {
  const t = tempDir('clara-badbundle-');
  cleanups.push(t.dispose);
  cpSync(GOOD, t.dir, { recursive: true });
  d.apply(t.dir);
  return t.dir;
}

describe('fault: a damaged model bundle', () => {
  for (const damage of DAMAGES) {
    it(`${damage.what}: search and ask exit 1 with a message naming the file; the index is untouched`, async () => {
      const dir = damagedCopy(damage);
      const storeBefore = grepTree(path.join(repo.root, '.clara'), 'inventory').length;
      for (const command of [['search', repo.root, 'where is stock removed'], ['ask', repo.root, 'how is stock removed?']]) {
        const r = await clara([...command, '--bundle', dir, '--provider', 'cpu']);
        assert.equal(r.code, 1, `${command[0]}: exit ${r.code}\n${r.stderr}`);
        assert.ok(r.stderr.includes(damage.file), `${command[0]}: the message does not name ${damage.file}: ${r.stderr}`);
        assert.doesNotMatch(r.stderr, /\n\s+at .*\(.*:\d+:\d+\)/, 'no stack trace without CLARA_DEBUG');
        assert.equal(r.stdout, '', 'no partial answer');
        if (command[0] === 'search') console.log(`[bundle-faults] ${damage.what}: ${r.stderr.trim().split('\n')[0]}`);
      }
      assert.equal(grepTree(path.join(repo.root, '.clara'), 'inventory').length, storeBefore);
      const ok = await clara(['search', repo.root, 'where is stock removed', '--json', '--bundle', GOOD, '--provider', 'cpu']);
      assert.equal(ok.code, 0, 'the good bundle still answers from the same index');
    });
  }

  it('the engine worker: open fails naming the file, later requests say why, and a good bundle then opens', async () => {
    const dir = damagedCopy(DAMAGES[0]);
    const worker = new Worker(WORKER);
    cleanups.push(() => worker.terminate());
    const events: WorkerEvent[] = [];
    worker.on('message', (m: WorkerEvent) => events.push(m));
    let next = 1;
    const call = (body: Record<string, unknown>) => new Promise<WorkerEvent & { type: 'reply' }>((resolve) => {
      const id = next++;
      const onMessage = (m: WorkerEvent) => {
        if (m.type === 'reply' && m.id === id) {
          worker.off('message', onMessage);
          resolve(m);
        }
      };
      worker.on('message', onMessage);
      worker.postMessage({ ...body, id });
    });
    const store = tempDir();
    cleanups.push(store.dispose);
    const options = { root: repo.root, storeDir: store.dir, bundleDir: dir, executionProvider: 'cpu' };
    const opened = await call({ type: 'open', options });
    assert.equal(opened.ok, false);
    assert.match((opened as { error: string }).error, /compressor\.onnx/);
    for (const type of ['search', 'ask']) {
      const r = await call({ type, question: 'where is stock removed' });
      assert.equal(r.ok, false, `${type} after a failed open must be refused`);
      console.log(`[bundle-faults] worker ${type} after the failed open: ${(r as { error: string }).error}`);
      assert.match((r as { error: string }).error, /compressor\.onnx/, `${type} says why it cannot answer`);
    }
    const good = await call({ type: 'open', options: { ...options, bundleDir: GOOD } });
    assert.equal(good.ok, true, JSON.stringify(good));
    await call({ type: 'close' });
  });
});
