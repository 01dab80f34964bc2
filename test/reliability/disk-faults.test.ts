/**
 * Fault: the disk under the index fills up, or the index folder cannot be written. The store lives on a small tmpfs
 * (mounted by the test, as root; unmounted in every case) so that "disk full" is real ENOSPC from the kernel.
 * Unwritable: root ignores permission bits, so the CLI is run as the unprivileged user `nobody` (spawn uid/gid)
 * against an index folder owned by root, and separately the tmpfs is remounted read-only (EROFS).
 * Expected: a clear message, the run stops, nothing already indexed is lost, and indexing resumes when space returns.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openEngineWithBundle } from '../../extension/engine/clara-engine';
import type { IndexProgress } from '../../extension/engine/engine-api';
import type { ModelBundle } from '../../extension/engine/engine-parts';
import { loadBundle } from '../../extension/engine/model/load-bundle';
import { MemoryStore } from '../../extension/engine/store/memory-store';
import { bundleUnderTest } from '../bundle/bundle-under-test';
import { FixtureRepo, tempDir } from '../fixtures/fixture-repo';
import { assertSameIndex, bundleIdentity, clara, pythonModules, snapshotOf } from './reliability-kit';

const IS_ROOT = process.getuid?.() === 0;
const NEEDS_ROOT = IS_ROOT ? false : 'needs root (tmpfs mounts; running a child as nobody)';
const BUNDLE = bundleUnderTest();
const NOBODY = 65534;

let bundle: ModelBundle;
const cleanups: Array<() => unknown> = [];
before(async () => {
  bundle = await loadBundle(BUNDLE, { executionProvider: 'cpu' });
});
after(async () => {
  for (const c of cleanups.reverse()) {
    try {
      await c();
    } catch (err) {
      console.error(`[disk-faults] cleanup: ${(err as Error).message}`);
    }
  }
  await bundle?.close();
});

/** A tmpfs of `size` at a fresh mount point; unmounted (lazily, even if busy) when the file ends. */
function tmpfs(size: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'clara-tmpfs-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]);
  cleanups.push(() => {
    execFileSync('umount', ['-l', dir]);
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

function usage(dir: string): string {
  return execFileSync('df', ['-k', '--output=used,size', dir], { encoding: 'utf8' }).trim().split('\n')[1].trim().replace(/\s+/, ' of ') + ' kB';
}

describe('fault: disk full under the index', { skip: NEEDS_ROOT }, () => {
  it('a clear message, nothing indexed is lost, and the run resumes when space returns', async () => {
    const mount = tmpfs('4m');
    const storeDir = path.join(mount, 'store');
    const first = pythonModules(40, 2, 'first');
    const repo = new FixtureRepo(first, 'clara-diskfull-');
    cleanups.push(() => repo.dispose());
    const engine = await openEngineWithBundle({ root: repo.root, storeDir }, bundle);
    cleanups.push(() => engine.close());
    await engine.index();
    const kept = await snapshotOf(engine);
    const keptFiles = kept.files.length;
    console.log(`[disk-faults] after the first run: ${keptFiles} files, ${kept.chunks.length} chunks, tmpfs ${usage(mount)}`);

    // Leave ~160 kB free, then add far more than that.
    const usedKb = Number(usage(mount).split(' ')[0]);
    execFileSync('mount', ['-o', `remount,size=${usedKb + 160}k`, mount]);
    repo.writeAll(pythonModules(200, 3, 'second'));
    const progress: IndexProgress[] = [];
    const failure = await engine.index({ onProgress: (p) => progress.push(p) }).then(() => null, (err: Error) => err);
    assert.ok(failure, `the run did not fail on a full disk (tmpfs ${usage(mount)})`);
    console.log(`[disk-faults] disk full: ${failure.message.slice(0, 300)} (tmpfs ${usage(mount)})`);
    assert.match(failure.message, /^no space left on the disk holding the index/, 'the message says the disk is full');
    assert.ok(failure.message.includes(storeDir), 'the message names the index folder');
    assert.match(failure.message, /kept and the next run resumes/);
    assert.equal(progress.at(-1)?.phase, 'error');
    assert.equal((await engine.state()).progress.phase, 'error');

    // Nothing already indexed is lost: a new process-like open needs no rebuild and still has every first file.
    await engine.close();
    const reopened = await MemoryStore.open(storeDir, bundleIdentity(BUNDLE)).catch((err: Error) => ({ error: err }));
    if ('error' in reopened) assert.fail(`the store cannot be opened on the full disk: ${reopened.error.message}`);
    reopened.store.close();
    assert.equal(reopened.rebuilt, null, `a full disk cost the index: ${reopened.rebuilt}`);
    const again = await openEngineWithBundle({ root: repo.root, storeDir }, bundle);
    cleanups.push(() => again.close());
    const records = await again.store.fileRecords();
    for (const p of Object.keys(first)) assert.equal(records.get(p)?.status, 'indexed', `${p} was lost`);
    const hits = await again.search('Stage 1 of module 3', 5);
    assert.ok(hits.length > 0, 'search still answers from what was indexed');

    // Space returns: the next run resumes and ends equal to a fresh index.
    execFileSync('mount', ['-o', 'remount,size=256m', mount]);
    const resumed = await again.index();
    console.log(`[disk-faults] after space returned: ${JSON.stringify(resumed)}`);
    assert.ok(resumed.filesUnchanged >= keptFiles - 1);
    const t = tempDir();
    cleanups.push(t.dispose);
    const fresh = await openEngineWithBundle({ root: repo.root, storeDir: t.dir }, bundle);
    cleanups.push(() => fresh.close());
    await fresh.index();
    assertSameIndex(await snapshotOf(again), await snapshotOf(fresh), 'after the disk filled up and space returned');
  });
});

describe('fault: the index folder cannot be written', { skip: NEEDS_ROOT }, () => {
  /** A workspace the user nobody can read, indexed once by root: .clara/ belongs to root and is read-only to nobody. */
  async function indexedByRoot(): Promise<FixtureRepo> {
    const repo = new FixtureRepo(pythonModules(30, 2), 'clara-unwritable-');
    cleanups.push(() => repo.dispose());
    const r = await clara(['index', repo.root, '--bundle', BUNDLE, '--provider', 'cpu']);
    assert.equal(r.code, 0, r.stderr);
    // mkdtemp made the root 0700; nobody must be able to read the workspace, just not write the index.
    for (const e of [repo.root, ...readdirSync(repo.root, { recursive: true }).map((p) => path.join(repo.root, String(p)))]) {
      if (e.includes(`${path.sep}.clara`)) continue;
      chmodSync(e, statSync(e).isDirectory() ? 0o755 : 0o644);
    }
    return repo;
  }

  it('run as nobody on an index it may read but not write: index exits 1 naming the folder; search answers; nothing lost', async () => {
    const repo = await indexedByRoot();
    execFileSync('chmod', ['-R', 'a+rX', repo.abs('.clara')]); // LanceDB writes its data files 0600
    repo.write('pkg/late_addition.py', 'def late_addition():\n    return "added after the index"\n');
    chmodSync(repo.abs('pkg/late_addition.py'), 0o644);
    const before = await clara(['status', repo.root, '--json', '--bundle', BUNDLE]);
    const r = await clara(['index', repo.root, '--bundle', BUNDLE, '--provider', 'cpu'], { uid: NOBODY, gid: NOBODY });
    console.log(`[disk-faults] unwritable (as nobody): exit ${r.code}: ${r.stderr.trim().split('\n').at(-1)}`);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /EACCES|permission denied/i);
    assert.ok(r.stderr.includes(path.join(repo.root, '.clara')), 'the message names the index folder');
    const search = await clara(['search', repo.root, 'scales the value', '--json', '--bundle', BUNDLE, '--provider', 'cpu'], { uid: NOBODY, gid: NOBODY });
    assert.equal(search.code, 0, `a read-only index still answers: ${search.stderr}`);
    const after = await clara(['status', repo.root, '--json', '--bundle', BUNDLE]);
    assert.deepEqual(JSON.parse(after.stdout).files, JSON.parse(before.stdout).files, 'nothing already indexed is lost');
    const resumed = await clara(['index', repo.root, '--json', '--bundle', BUNDLE, '--provider', 'cpu']);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.equal(JSON.parse(resumed.stdout.trim().split('\n').at(-1) as string).summary.filesIndexed, 1, 'once writable, only the new file is indexed');
  });

  it('an index the process cannot read (but could delete) is refused clearly and never removed', async () => {
    const repo = await indexedByRoot();
    // The folders belong to nobody (so nobody could remove everything), the data files stay root's 0600.
    execFileSync('find', [repo.abs('.clara'), '-type', 'd', '-exec', 'chown', `${NOBODY}:${NOBODY}`, '{}', '+']);
    const countFiles = () => readdirSync(repo.abs('.clara'), { recursive: true }).length;
    const filesBefore = countFiles();
    const before = await clara(['status', repo.root, '--json', '--bundle', BUNDLE]);
    const r = await clara(['search', repo.root, 'scales the value', '--bundle', BUNDLE, '--provider', 'cpu'], { uid: NOBODY, gid: NOBODY });
    console.log(`[disk-faults] unreadable index (as nobody): exit ${r.code}: ${r.stderr.trim().split('\n').at(-1)?.slice(0, 240)}`);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /cannot be read .*permission denied.*left as it is/i);
    assert.equal(countFiles(), filesBefore, 'the index was not removed');
    const after = await clara(['status', repo.root, '--json', '--bundle', BUNDLE]);
    assert.equal(JSON.parse(after.stdout).files, JSON.parse(before.stdout).files, 'the owner still has the whole index');
    assert.ok(JSON.parse(after.stdout).files > 0);
  });

  it('the index on a file system remounted read-only: a clear EROFS message, then it resumes when writable', async () => {
    const mount = tmpfs('64m');
    const storeDir = path.join(mount, 'store');
    mkdirSync(storeDir);
    const repo = new FixtureRepo(pythonModules(30, 2), 'clara-rofs-');
    cleanups.push(() => repo.dispose());
    const engine = await openEngineWithBundle({ root: repo.root, storeDir }, bundle);
    cleanups.push(() => engine.close());
    await engine.index();
    const before = await snapshotOf(engine);
    execFileSync('mount', ['-o', 'remount,ro', mount]);
    repo.write('pkg/late_addition.py', 'def late_addition():\n    return "added after the index"\n');
    const failure = await engine.index().then(() => null, (err: Error) => err);
    console.log(`[disk-faults] read-only file system: ${failure?.message.slice(0, 200)}`);
    assert.ok(failure, 'indexing onto a read-only file system must fail');
    assert.match(failure.message, /read-only file system/i);
    assert.ok(failure.message.includes(storeDir), 'the message names the index folder');
    assert.ok((await engine.search('scales the value', 3)).length > 0, 'search still answers');
    execFileSync('mount', ['-o', 'remount,rw', mount]);
    const resumed = await engine.index();
    assert.equal(resumed.filesIndexed, 1);
    const now = await snapshotOf(engine);
    assert.ok(before.chunks.every((k) => now.chunks.includes(k)), 'nothing already indexed is lost');
  });
});
