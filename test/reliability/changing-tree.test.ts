/**
 * Fault: the tree changes under the indexer. Files edited, renamed, deleted, re-created and shrunk while a run reads
 * them; 2,000 changes in one burst (a branch switch) through the real watcher in the engine worker; a folder replaced
 * by a file; symlink loops; files the process cannot read (a FIFO, a folder named like a file, a root-only file read
 * by the CLI running as `nobody`). Each run ends without an error, and after the tree settles the index equals a
 * fresh index of the same tree.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, closeSync, mkdirSync, openSync, renameSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type ClaraEngine, openEngineWithBundle } from '../../extension/engine/clara-engine';
import type { IndexProgress, IndexState, IndexSummary } from '../../extension/engine/engine-api';
import type { ModelBundle } from '../../extension/engine/engine-parts';
import { loadBundle } from '../../extension/engine/model/load-bundle';
import { bundleUnderTest } from '../bundle/bundle-under-test';
import { type FixtureFiles, FixtureRepo, tempDir } from '../fixtures/fixture-repo';
import { assertSameIndex, clara, jsonOut, prng, pythonModules, sleep, snapshotOf, WorkerHarness } from './reliability-kit';

const BUNDLE = bundleUnderTest();
let bundle: ModelBundle;
const cleanups: Array<() => unknown> = [];
before(async () => {
  bundle = await loadBundle(BUNDLE, { executionProvider: 'cpu' });
});
after(async () => {
  // Every cleanup runs even when one fails (temp folders must not outlive the test); the first failure is reported.
  const failures: unknown[] = [];
  for (const c of cleanups.reverse()) {
    try { await c(); } catch (err) { failures.push(err); }
  }
  await bundle?.close();
  if (failures.length > 0) throw failures[0];
});

function repoOf(files: FixtureFiles): FixtureRepo {
  const repo = new FixtureRepo(files, 'clara-churn-');
  cleanups.push(() => repo.dispose());
  return repo;
}

async function engineOn(root: string, storeDir?: string): Promise<ClaraEngine> {
  let dir = storeDir;
  if (!dir) {
    const t = tempDir();
    cleanups.push(t.dispose);
    dir = t.dir;
  }
  const engine = await openEngineWithBundle({ root, storeDir: dir }, bundle);
  cleanups.push(() => engine.close());
  return engine;
}

async function assertEqualsFresh(engine: ClaraEngine, root: string, what: string): Promise<void> {
  const fresh = await engineOn(root);
  await fresh.index();
  const drift = assertSameIndex(await snapshotOf(engine), await snapshotOf(fresh), what);
  console.log(`[changing-tree] ${what}: equal to a fresh index, ${drift.compared} memories bitwise identical`);
  await fresh.close();
}

describe('fault: the tree changes while it is indexed', () => {
  it('edits, renames, deletions, re-creations and shrinking files during a run; the next run equals a fresh index', async () => {
    const files = pythonModules(300, 2);
    const names = Object.keys(files);
    const repo = repoOf(files);
    const engine = await engineOn(repo.root);
    const random = prng(7);
    let changes = 0;
    let churning = false;
    // Changes land between the engine's awaits, i.e. between scan, reads, compression and commits.
    const churn = setInterval(() => {
      if (!churning) return;
      for (let k = 0; k < 4; k++) {
        const victim = names[Math.floor(random() * names.length)];
        const abs = repo.abs(victim);
        try {
          switch (changes % 5) {
            case 0: writeFileSync(abs, `${files[victim]}\ndef edited_${changes}():\n    return ${changes}\n`); break;
            case 1: renameSync(abs, `${abs}.moved.py`); renameSync(`${abs}.moved.py`, abs); break;
            case 2: rmSync(abs, { force: true }); break;
            case 3: writeFileSync(abs, files[victim]); break; // re-created (or rewritten with its first content)
            // Shrinks under a possible reader, to its own first line: content no other path ever held, because a
            // memory is reused by content hash and carries the path it was first compressed under (by design).
            case 4: truncateSync(abs, (files[victim] as string).indexOf('\n')); break;
          }
        } catch {
          // The victim may be gone already (deleted by an earlier change): that is part of the churn.
        }
        changes++;
      }
    }, 5);
    const progress: IndexProgress[] = [];
    const first = engine.index({ onProgress: (p) => { progress.push(p); if (p.phase === 'indexing') churning = true; } });
    churning = true;
    const summary = await first.finally(() => clearInterval(churn));
    console.log(`[changing-tree] ${changes} changes during a run of ${JSON.stringify(summary)}`);
    assert.ok(changes > 50, `only ${changes} changes happened during the run`);
    assert.equal(progress.at(-1)?.phase, 'done');
    const second = await engine.index();
    console.log(`[changing-tree] the follow-up run: ${JSON.stringify(second)}`);
    await assertEqualsFresh(engine, repo.root, 'after churn during indexing');
  });

  it('a file replaced by a FIFO between the scan and its read: the run ends (it does not block on the pipe)', async () => {
    const repo = repoOf({ ...pythonModules(80, 2), 'zzz/late.py': 'def late():\n    return 1\n' });
    const engine = await engineOn(repo.root);
    let swapped = false;
    const run = engine.index({
      onProgress: (p) => {
        if (!swapped && p.phase === 'indexing') {
          swapped = true;
          rmSync(repo.abs('zzz/late.py'));
          execFileSync('mkfifo', [repo.abs('zzz/late.py')]);
        }
      },
    });
    const outcome = await Promise.race([run.then((s) => s, (e: Error) => e), sleep(60_000).then(() => 'blocked' as const)]);
    if (outcome === 'blocked') {
      // Unblock the reader so that the process can end, then fail: indexing hung on a pipe without saying so.
      closeSync(openSync(repo.abs('zzz/late.py'), 'w'));
      await run.catch(() => undefined);
      assert.fail('indexing blocked on a FIFO that replaced a file after the scan (no progress, no error, for 60 s)');
    }
    assert.ok(!(outcome instanceof Error), `the run failed: ${(outcome as Error).message}`);
    const reason = (await engine.state()).skipped.find((s) => s.path === 'zzz/late.py')?.reason;
    console.log(`[changing-tree] FIFO swapped in after the scan: ${reason}`);
    assert.match(reason ?? '', /not a regular file|unreadable/);
    await assertEqualsFresh(engine, repo.root, 'after a FIFO replaced a file');
  });

  it('a folder replaced by a file, symlink loops, a FIFO and a folder named like a file: clear reasons, no error', async () => {
    const repo = repoOf({ ...pythonModules(20, 1), 'odd/inner.py.d/x.txt': 'plain text\n' });
    mkdirSync(repo.abs('odd/named_like_a_file.py'), { recursive: true });
    writeFileSync(repo.abs('odd/named_like_a_file.py/inside.py'), 'def inside():\n    return 2\n');
    symlinkSync('.', repo.abs('odd/self_loop'));
    symlinkSync('b_link', repo.abs('odd/a_link'));
    symlinkSync('a_link', repo.abs('odd/b_link'));
    symlinkSync('..', repo.abs('odd/parent_loop'));
    execFileSync('mkfifo', [repo.abs('odd/pipe.py')]);
    const engine = await engineOn(repo.root);
    await engine.index();
    // The folder pkg/group_3 becomes a file of the same name.
    rmSync(repo.abs('pkg/group_3'), { recursive: true });
    writeFileSync(repo.abs('pkg/group_3'), 'def group_three_is_a_file_now():\n    return 3\n');
    const summary = await engine.index();
    const state: IndexState = await engine.state();
    const reasons = Object.fromEntries(state.skipped.filter((s) => s.path.startsWith('odd/')).map((s) => [s.path, s.reason]));
    console.log(`[changing-tree] odd entries: ${JSON.stringify(reasons)}; after the folder became a file: ${JSON.stringify(summary)}`);
    assert.match(reasons['odd/pipe.py'] ?? '', /not a regular file/);
    assert.match(reasons['odd/a_link'] ?? '', /broken symlink/);
    assert.match(reasons['odd/self_loop/'] ?? '', /symlink loop/);
    assert.match(reasons['odd/parent_loop/'] ?? '', /symlink loop/);
    const paths = new Set((await engine.store.allChunks()).map((c) => c.path));
    assert.ok(paths.has('odd/named_like_a_file.py/inside.py'), 'a folder named like a file is walked');
    assert.ok(paths.has('pkg/group_3'), 'the file that replaced the folder is indexed');
    assert.ok(![...paths].some((p) => p.startsWith('pkg/group_3/')), 'nothing of the old folder is served');
    await assertEqualsFresh(engine, repo.root, 'after a folder became a file');
  });

  it('a file the process may not read (CLI run as nobody, root-only 0600 file): skipped as unreadable, the rest indexed', { skip: process.getuid?.() === 0 ? false : 'needs root to drop to nobody' }, async () => {
    const repo = repoOf({ ...pythonModules(10, 1), 'private/owner_only.py': 'def owner_only():\n    return "root"\n' });
    // Everything belongs to nobody except one file, which stays root's with mode 0600.
    execFileSync('chown', ['-R', '65534:65534', repo.root]);
    chownSync(repo.abs('private/owner_only.py'), 0, 0);
    chmodSync(repo.abs('private/owner_only.py'), 0o600);
    const r = await clara(['index', repo.root, '--json', '--bundle', BUNDLE, '--provider', 'cpu'], { uid: 65534, gid: 65534 });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(jsonOut<{ summary: IndexSummary }>(r).summary.filesIndexed, 10);
    const status = await clara(['status', repo.root, '--json', '--bundle', BUNDLE], { uid: 65534, gid: 65534 });
    const skipped = (JSON.parse(status.stdout) as IndexState).skipped;
    console.log(`[changing-tree] unreadable as nobody: ${JSON.stringify(skipped.find((s) => s.path === 'private/owner_only.py'))}`);
    assert.match(skipped.find((s) => s.path === 'private/owner_only.py')?.reason ?? '', /unreadable: EACCES/);
  });
});

describe('fault: 2,000 changes in one burst through the watcher (a branch switch)', () => {
  it('the engine worker settles to exactly a fresh index of the new tree', async () => {
    const files = pythonModules(1500, 1);
    const names = Object.keys(files);
    const repo = repoOf(files);
    const store = tempDir();
    cleanups.push(store.dispose);
    const worker = new WorkerHarness();
    cleanups.push(() => worker.close());
    await worker.call({ type: 'open', options: { root: repo.root, storeDir: store.dir, bundleDir: BUNDLE, executionProvider: 'cpu' } });
    await worker.call({ type: 'indexAll' });
    // The watcher is live once a probe file shows up in the index.
    let lastChange = Date.now();
    let indexedFiles = 0;
    worker.on((e) => {
      if (e.type === 'indexChanged') indexedFiles = e.state.files;
      if (e.type === 'progress' || e.type === 'indexChanged') lastChange = Date.now();
    });
    repo.write('probe.py', 'def probe():\n    return 0\n');
    for (let i = 0; i < 300 && indexedFiles !== names.length + 1; i++) await sleep(100);
    assert.equal(indexedFiles, names.length + 1, 'the watcher picked up the probe file');

    // The branch switch: 1,000 files modified, 500 deleted, 500 added — 2,000 changes at once.
    let changes = 0;
    for (let i = 0; i < 1000; i++, changes++) repo.write(names[i], `${files[names[i]]}\n# changed on the other branch ${i}\n`);
    for (let i = 1000; i < 1500; i++, changes++) repo.remove(names[i]);
    for (let i = 0; i < 500; i++, changes++) repo.write(`branch_b/feature_${i}.py`, `def feature_${i}():\n    return ${i} * 7\n`);
    repo.remove('probe.py');
    const expectedFiles = 1000 + 500;
    // Settled: the expected count indexed and no progress or index change for 3 s.
    for (let i = 0; i < 3000; i++) {
      if (indexedFiles === expectedFiles && Date.now() - lastChange > 3_000) break;
      await sleep(100);
    }
    const warnings = worker.events.filter((e) => e.type === 'log' && e.level !== 'info');
    console.log(`[changing-tree] burst of ${changes} changes settled at ${indexedFiles} files; warnings: ${JSON.stringify(warnings).slice(0, 300)}`);
    assert.equal(indexedFiles, expectedFiles, 'the watcher applied the whole burst');
    await worker.close();
    const engine = await engineOn(repo.root, store.dir);
    await assertEqualsFresh(engine, repo.root, 'after a 2,000-change burst through the watcher');
  });
});


