/**
 * The workspace watcher on a real folder: a burst of changes arrives as one debounced batch of root-relative paths,
 * never-indexed folders are not watched, and deletions of files and folders are reported.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { WorkspaceWatcher } from '../../extension/engine/watch/workspace-watcher';
import { FixtureRepo } from '../fixtures/fixture-repo';

const cleanups: Array<() => Promise<void> | void> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

function collect(repo: FixtureRepo, debounceMs = 150): { batches: string[][]; watcher: WorkspaceWatcher; next: () => Promise<string[]> } {
  const batches: string[][] = [];
  const waiters: Array<(b: string[]) => void> = [];
  const watcher = new WorkspaceWatcher({
    root: repo.root,
    excludeDirs: [repo.abs('.store')],
    debounceMs,
    onChanges: (paths) => {
      batches.push(paths);
      waiters.shift()?.(paths);
    },
  });
  cleanups.push(() => watcher.close());
  const next = () => new Promise<string[]>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no change batch arrived; got ${JSON.stringify(batches)}`)), 10_000);
    waiters.push((b) => {
      clearTimeout(timer);
      resolve(b);
    });
  });
  return { batches, watcher, next };
}

describe('WorkspaceWatcher', () => {
  it('debounces a burst of writes into one batch and ignores dependency, VCS and store folders', async () => {
    const repo = new FixtureRepo({ 'src/a.ts': 'a\n', 'node_modules/x/i.js': 'i\n', '.git/HEAD': 'ref\n', '.store/db': 'x\n' });
    cleanups.push(() => repo.dispose());
    const { batches, watcher, next } = collect(repo);
    await watcher.whenReady();
    const batch = next();
    for (let i = 0; i < 5; i++) repo.write(`src/file${i}.ts`, `export const v${i} = ${i};\n`);
    repo.write('src/a.ts', 'changed\n');
    repo.write('node_modules/x/i.js', 'changed\n');
    repo.write('.git/HEAD', 'other\n');
    repo.write('.store/db', 'y\n');
    const paths = await batch;
    assert.deepEqual(paths, ['src/a.ts', 'src/file0.ts', 'src/file1.ts', 'src/file2.ts', 'src/file3.ts', 'src/file4.ts']);
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(batches.length, 1, `one batch expected, got ${JSON.stringify(batches)}`);
  });

  it('reports deleted files and folders, and files in new folders', async () => {
    const repo = new FixtureRepo({ 'src/a.ts': 'a\n', 'old/b.ts': 'b\n', 'old/deep/c.ts': 'c\n' });
    cleanups.push(() => repo.dispose());
    const { watcher, next } = collect(repo);
    await watcher.whenReady();
    let batch = next();
    repo.remove('src/a.ts');
    assert.deepEqual(await batch, ['src/a.ts']);
    batch = next();
    repo.remove('old');
    const removed = await batch;
    assert.ok(removed.includes('old'), JSON.stringify(removed));
    batch = next();
    repo.write('fresh/nested/d.ts', 'd\n');
    const added = await batch;
    assert.ok(added.includes('fresh/nested/d.ts'), JSON.stringify(added));
  });
});
