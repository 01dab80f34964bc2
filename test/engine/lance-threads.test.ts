/**
 * LanceDB's full-text build deadlocks when its compute pool has one thread (lance-threads.ts). The unit tests pin
 * when the pool is widened; the regression test builds an index of several posting-list batches through the store in
 * a fresh process with no LANCE_CPU_THREADS of its own. On a machine of 3 cores or fewer (CI has 2), without the fix
 * that build never finishes (measured: 30,000 chunks of 20 distinct terms hang with every thread asleep).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { ensureLanceCpuThreads, LANCE_CPU_THREADS_FLOOR } from '../../extension/engine/store/lance-threads';
import { tempDir } from '../fixtures/fixture-repo';

describe('LanceDB compute threads', () => {
  it('widens the pool on a machine with few cores, on the main thread only', () => {
    const env: NodeJS.ProcessEnv = {};
    assert.equal(ensureLanceCpuThreads(env, 2, true), 'set');
    assert.equal(env.LANCE_CPU_THREADS, String(LANCE_CPU_THREADS_FLOOR));
    const inWorker: NodeJS.ProcessEnv = {};
    assert.equal(ensureLanceCpuThreads(inWorker, 2, false), 'not-main-thread');
    assert.equal(inWorker.LANCE_CPU_THREADS, undefined);
  });

  it("keeps the user's setting and leaves machines with enough cores alone", () => {
    const userSet: NodeJS.ProcessEnv = { LANCE_CPU_THREADS: '1' };
    assert.equal(ensureLanceCpuThreads(userSet, 2, true), 'already-set');
    assert.equal(userSet.LANCE_CPU_THREADS, '1');
    const large: NodeJS.ProcessEnv = {};
    assert.equal(ensureLanceCpuThreads(large, 2 + LANCE_CPU_THREADS_FLOOR, true), 'enough-cores');
    assert.equal(large.LANCE_CPU_THREADS, undefined);
    assert.equal(ensureLanceCpuThreads({}, 1 + LANCE_CPU_THREADS_FLOOR, true), 'set');
  });

  it('builds a full-text index of several posting-list batches through the store', { timeout: 300_000 }, () => {
    const dir = tempDir('clara-lexical-build-');
    const env = { ...process.env };
    delete env.LANCE_CPU_THREADS;
    const child = spawnSync(process.execPath, ['--import', 'tsx', path.join(__dirname, 'lexical-index-build.child.ts'),
      path.join(dir.dir, 'store'), '30000', '20'], { env, encoding: 'utf8', timeout: 240_000, killSignal: 'SIGKILL' });
    dir.dispose();
    assert.notEqual(child.signal, 'SIGKILL', 'the full-text index build did not finish in 240 s (LanceDB deadlock?)');
    assert.equal(child.status, 0, child.stderr);
    const built = JSON.parse(child.stdout);
    assert.equal(built.chunks, 30_000);
    assert.deepEqual(built.hits, ['src/file29999.py']);
    // The store set the pool for its process exactly when this machine needs it.
    const expected = ensureLanceCpuThreads({}, availableParallelism(), true) === 'set' ? String(LANCE_CPU_THREADS_FLOOR) : null;
    assert.equal(built.lanceCpuThreads, expected);
  });
});
