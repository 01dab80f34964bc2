/**
 * The incremental indexer through the engine facade, on fixture repositories, with the real bundle and store:
 * edits, renames, deletions and branch-like swaps end equal to a fresh index of the same tree; a rename and a
 * return to seen content compress nothing; pause, typing and cancel stop between batches and a resumed run completes.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type ClaraEngine, openEngineWithBundle } from '../../extension/engine/clara-engine';
import type { IndexProgress } from '../../extension/engine/engine-api';
import type { ModelBundle } from '../../extension/engine/engine-parts';
import { CancelledError } from '../../extension/engine/indexing/index-gate';
import { loadBundle } from '../../extension/engine/model/load-bundle';
import { MemoryStore } from '../../extension/engine/store/memory-store';
import { bundleUnderTest } from '../bundle/bundle-under-test';
import { type FixtureFiles, FixtureRepo, MULTI_LANGUAGE_PROJECT, tempDir } from '../fixtures/fixture-repo';

let bundle: ModelBundle;
const cleanups: Array<() => Promise<void> | void> = [];
before(async () => {
  bundle = await loadBundle(bundleUnderTest(), { executionProvider: 'cpu' });
});
after(async () => {
  for (const c of cleanups.reverse()) await c();
  await bundle?.close();
});

async function engineFor(repo: FixtureRepo, storeDir?: string): Promise<ClaraEngine> {
  let dir = storeDir;
  if (!dir) {
    const t = tempDir();
    cleanups.push(t.dispose);
    dir = t.dir;
  }
  const engine = await openEngineWithBundle({ root: repo.root, storeDir: dir }, bundle);
  cleanups.push(() => engine.close());
  return engine;
}

function repoOf(files: FixtureFiles): FixtureRepo {
  const repo = new FixtureRepo(files);
  cleanups.push(() => repo.dispose());
  return repo;
}

interface Snapshot {
  chunks: string[];
  memories: Map<string, Float32Array>;
  files: string[];
}

/** The store's content, comparable across stores: chunk identity and lines, and each chunk's memory. */
async function snapshot(engine: ClaraEngine): Promise<Snapshot> {
  const chunks = await engine.store.allChunks();
  const memories = await engine.store.memories(chunks.map((c) => c.id));
  const keyed = chunks.map((c, i) => ({ key: `${c.path}:${c.startLine}-${c.endLine}:${c.symbol}:${c.language}:${c.contentHash}`, memory: memories[i] }));
  keyed.sort((a, b) => (a.key < b.key ? -1 : 1));
  const files = [...(await engine.store.fileRecords()).values()].map((f) => `${f.path}:${f.status}:${f.contentHash}:${f.chunks}`).sort();
  return { chunks: keyed.map((k) => k.key), memories: new Map(keyed.map((k) => [k.key, k.memory])), files };
}

/**
 * The same chunk compressed in another batch: a dynamically quantised int8 graph quantises activations per batch,
 * so the result may depend slightly on the batch's other chunks. Same memory = same direction and length.
 */
function assertSameMemory(a: Float32Array, b: Float32Array, what: string): void {
  assert.equal(a.length, b.length);
  let dot = 0; let na = 0; let nb = 0;
  for (let i = 0; i < a.length; i++) {
    assert.ok(Number.isFinite(a[i]) && Number.isFinite(b[i]), `${what}[${i}] is not finite`);
    dot += a[i] * b[i]; na += a[i] * a[i]; nb += b[i] * b[i];
  }
  const cosine = dot / Math.sqrt(na * nb);
  assert.ok(cosine >= 0.999, `${what}: cosine ${cosine}`);
  assert.ok(Math.abs(Math.sqrt(na) / Math.sqrt(nb) - 1) <= 0.02, `${what}: norms ${Math.sqrt(na)} vs ${Math.sqrt(nb)}`);
}

/** An incrementally updated store must hold what a fresh index of the same tree holds. */
async function assertEqualsFresh(engine: ClaraEngine, repo: FixtureRepo, reusedPaths: Set<string> = new Set()): Promise<void> {
  const fresh = await engineFor(repo);
  await fresh.index();
  const [a, b] = [await snapshot(engine), await snapshot(fresh)];
  assert.deepEqual(a.chunks, b.chunks);
  assert.deepEqual(a.files.map((f) => f.replace(/:[0-9a-f]{64}:/, ':')), b.files.map((f) => f.replace(/:[0-9a-f]{64}:/, ':')));
  for (const key of a.chunks) {
    // A renamed chunk keeps the memory compressed under its old path (reuse by content hash); others are identical.
    if (reusedPaths.has(key.split(':')[0])) continue;
    assertSameMemory(a.memories.get(key)!, b.memories.get(key)!, key);
  }
  await fresh.close();
}

/** Files with several functions each, so that an index run needs several batches. */
function manyFiles(count: number): FixtureFiles {
  const files: FixtureFiles = {};
  for (let f = 0; f < count; f++) {
    const fns = Array.from({ length: 3 }, (_, i) =>
      `def module${f}_task${i}(value):\n    """Step ${i} of module ${f}: ${'scale the value and log it. '.repeat(4)}"""\n` +
      Array.from({ length: 8 }, (_, k) => `    value = value * ${k + 2} + ${f * 10 + i}`).join('\n') + '\n    return value\n');
    files[`pkg/module_${String(f).padStart(2, '0')}.py`] = fns.join('\n\n');
  }
  return files;
}

describe('indexer: incremental equals fresh', () => {
  it('indexes a project, then finds nothing to do on an unchanged tree', async () => {
    const repo = repoOf({ ...MULTI_LANGUAGE_PROJECT, 'node_modules/dep/index.js': 'module.exports = 1;\n', '.env': 'KEY=1\n' });
    const engine = await engineFor(repo);
    const progress: IndexProgress[] = [];
    const first = await engine.index({ onProgress: (p) => progress.push(p) });
    assert.equal(first.filesIndexed, Object.keys(MULTI_LANGUAGE_PROJECT).length);
    assert.ok(first.chunksCompressed > 0);
    assert.equal(first.filesSkipped, 2);
    assert.deepEqual(progress[0].phase, 'scanning');
    assert.equal(progress.at(-1)?.phase, 'done');
    const state = await engine.state();
    assert.equal(state.files, first.filesIndexed);
    assert.equal(state.memoryTokens, state.chunks * bundle.manifest.mem_tokens);
    assert.equal(state.compressionRate, bundle.manifest.compression_rate);
    assert.ok(state.bytesOnDisk > 0 && state.lastUpdate !== null);
    assert.deepEqual(state.skipped.map((s) => s.path).sort(), ['.env', 'node_modules/']);
    repo.touch('src/billing.ts'); // new mtime, same bytes
    const second = await engine.index();
    assert.deepEqual([second.filesIndexed, second.chunksCompressed, second.filesUnchanged], [0, 0, first.filesIndexed]);
  });

  it('edit, rename, copy and delete end equal to a fresh index; the rename and copy compress nothing', async () => {
    const repo = repoOf(MULTI_LANGUAGE_PROJECT);
    const engine = await engineFor(repo);
    await engine.index();
    const before = await engine.state();
    repo.rename('src/inventory.py', 'src/stock/inventory.py');
    repo.write('lib/parse_copy.rs', MULTI_LANGUAGE_PROJECT['lib/parse.rs'] as string);
    const moved = await engine.index();
    assert.equal(moved.chunksCompressed, 0, 'a rename and a copy reuse stored memories');
    assert.ok(moved.chunksReused > 0);
    assert.equal(moved.filesRemoved, 1);
    repo.write('src/billing.ts', `${MULTI_LANGUAGE_PROJECT['src/billing.ts']}\nexport const CURRENCY = 'EUR';\n`);
    repo.remove('src/server.go');
    const edited = await engine.index();
    assert.equal(edited.filesIndexed, 1);
    assert.equal(edited.filesRemoved, 1);
    assert.ok(edited.chunksCompressed >= 1);
    const after = await engine.state();
    assert.ok((await engine.store.allChunks()).every((c) => c.path !== 'src/server.go'), 'deleted file leaves no memories');
    assert.notEqual(after.chunks, 0);
    assert.notEqual(before.lastUpdate, after.lastUpdate);
    await assertEqualsFresh(engine, repo, new Set(['src/stock/inventory.py', 'lib/parse_copy.rs']));
  });

  it('a branch-like swap and back: the return compresses nothing and equals a fresh index', async () => {
    const branchA = { ...MULTI_LANGUAGE_PROJECT };
    const repo = repoOf(branchA);
    const engine = await engineFor(repo);
    await engine.index();
    // "Checkout" branch B: most files differ, one disappears, one is new.
    repo.remove('src');
    repo.writeAll({
      'src/inventory.py': 'class Inventory:\n    def count(self):\n        return 0\n',
      'src/billing.ts': 'export function refund(cents: number): number {\n  return -cents;\n}\n',
      'src/new_feature.ts': 'export const featureFlag = true;\n',
    });
    const onB = await engine.index();
    assert.ok(onB.chunksCompressed > 0 && onB.filesRemoved === 2);
    repo.remove('src');
    repo.writeAll(Object.fromEntries(Object.entries(branchA).filter(([p]) => p.startsWith('src/'))));
    const backOnA = await engine.index();
    assert.equal(backOnA.chunksCompressed, 0, 'content seen before is never compressed again');
    assert.equal(backOnA.filesRemoved, 1);
    await assertEqualsFresh(engine, repo);
  });

  it('indexPaths applies single changes (the watcher path) like a full run', async () => {
    const repo = repoOf(MULTI_LANGUAGE_PROJECT);
    const engine = await engineFor(repo);
    await engine.index();
    repo.write('src/billing.ts', 'export function discount(cents: number): number {\n  return cents / 2;\n}\n');
    repo.remove('lib/parse.rs');
    repo.write('.env.local', 'SECRET=1\n');
    repo.write('src/extra/helpers.py', 'def helper():\n    return 1\n');
    const summary = await engine.indexPaths(['src/billing.ts', 'lib/parse.rs', '.env.local', repo.abs('src/extra/helpers.py'), '/elsewhere/x.ts']);
    assert.deepEqual([summary.filesIndexed, summary.filesRemoved, summary.filesSkipped], [2, 1, 1]);
    assert.ok((await engine.state()).skipped.some((s) => s.path === '.env.local'));
    repo.write('.gitignore', 'src/extra/\n');
    await engine.indexPaths(['.gitignore']); // an ignore file changed: a full pass applies it
    assert.ok((await engine.store.allChunks()).every((c) => !c.path.startsWith('src/extra/')));
    await assertEqualsFresh(engine, repo);
  });

  it('a folder that appeared is walked whole, even when no event came for the files in it', async () => {
    const repo = repoOf(MULTI_LANGUAGE_PROJECT);
    const engine = await engineFor(repo);
    await engine.index();
    // A branch switch or a move: a new folder tree, of which the watcher reported only the folder itself.
    repo.write('pkg/feature/api.py', 'def create_order(items):\n    return len(items)\n');
    repo.write('pkg/feature/deep/model.ts', 'export class Order {\n  total = 0;\n}\n');
    repo.write('pkg/feature/.env', 'TOKEN=1\n');
    repo.write('pkg/feature/node_modules/dep/index.js', 'module.exports = 1;\n');
    const summary = await engine.indexPaths(['pkg']);
    assert.equal(summary.filesIndexed, 2);
    const paths = new Set((await engine.store.allChunks()).map((c) => c.path));
    assert.ok(paths.has('pkg/feature/api.py') && paths.has('pkg/feature/deep/model.ts'), [...paths].join(', '));
    const skipped = (await engine.state()).skipped.map((s) => s.path);
    assert.ok(skipped.includes('pkg/feature/.env') && skipped.includes('pkg/feature/node_modules/'), skipped.join(', '));
    // Reported again (a second event for the same folder): nothing to do.
    assert.equal((await engine.indexPaths(['pkg', 'pkg/feature/api.py'])).filesIndexed, 0);
    await assertEqualsFresh(engine, repo);
  });

  it('handles paths with quotes, spaces and non-ASCII characters through every store filter', async () => {
    const odd = "docs/it's a \"test\" – ünïcode.md";
    const repo = repoOf({ [odd]: '# Notes\n\nRelease checklist for the café team.\n', 'src/app.ts': 'export const app = 1;\n' });
    const engine = await engineFor(repo);
    await engine.index();
    assert.ok((await engine.store.allChunks()).some((c) => c.path === odd));
    repo.write(odd, '# Notes\n\nA different checklist.\n');
    assert.equal((await engine.indexPaths([odd])).filesIndexed, 1);
    repo.remove(odd);
    assert.equal((await engine.indexPaths([odd])).filesRemoved, 1);
    assert.ok((await engine.store.allChunks()).every((c) => c.path !== odd));
    await assertEqualsFresh(engine, repo);
  });

  it('refuses malformed options with a message naming the option, before touching a store', async () => {
    const repo = repoOf({ 'a.ts': 'export const a = 1;\n' });
    const t = tempDir();
    cleanups.push(t.dispose);
    const base = { root: repo.root, storeDir: t.dir };
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ ...base, root: 'relative' }, /root must be an absolute path/],
      [{ ...base, root: repo.abs('missing') }, /root .* cannot be read \(ENOENT\)/],
      [{ ...base, root: repo.abs('a.ts') }, /is not a folder/],
      [{ ...base, storeDir: 42 }, /storeDir must be an absolute path, got 42/],
      [{ ...base, topK: 0 }, /topK must be a whole number from 1 to 50/],
      [{ ...base, topK: 51 }, /topK must be a whole number from 1 to 50/],
      [{ ...base, maxFileSizeBytes: -5 }, /maxFileSizeBytes must be a positive number/],
      [{ ...base, extraExcludes: 'dist/**' }, /extraExcludes must be a list/],
      [{ ...base, executionProvider: 'gpu' }, /executionProvider must be 'auto', 'cpu' or 'cuda'/],
      [{ ...base, lexicalFusion: 'yes' }, /lexicalFusion must be true or false/],
    ];
    for (const [options, message] of cases) {
      await assert.rejects(openEngineWithBundle(options as never, bundle), message);
    }
    assert.ok(!existsSync(path.join(t.dir, 'lance')), 'no store was created');
  });

  it('refuses a malformed topK on each search and ask with a message, and answers a valid one', async () => {
    const repo = repoOf(MULTI_LANGUAGE_PROJECT);
    const t = tempDir();
    cleanups.push(t.dispose);
    const engine = await openEngineWithBundle({ root: repo.root, storeDir: t.dir }, bundle);
    cleanups.push(() => engine.close());
    await engine.index();
    for (const topK of [NaN, 0, -5, 2.5, 51, 1e9, Infinity, '3']) {
      const message = /topK must be a whole number from 1 to 50/;
      await assert.rejects(engine.search('where is the invoice total computed?', topK as number), message, String(topK));
      await assert.rejects(engine.ask('where is the invoice total computed?', { topK: topK as number }), message, String(topK));
    }
    assert.equal((await engine.search('where is the invoice total computed?', 3)).length, 3);
  });

  it('rebuilds a store made by another model version instead of reading its memories', async () => {
    const repo = repoOf(MULTI_LANGUAGE_PROJECT);
    const t = tempDir();
    cleanups.push(t.dispose);
    const dim = bundle.manifest.mem_tokens * bundle.manifest.hidden;
    const old = await MemoryStore.open(t.dir, { modelVersion: `${bundle.manifest.version}-old`, dim });
    await old.store.commit({ chunks: [], files: [{ path: 'stale.ts', contentHash: 'x', mtimeMs: 1, size: 1, status: 'indexed', reason: null, chunks: 0 }], replacePaths: [], removePaths: [] });
    old.store.close();
    const logs: string[] = [];
    const engine = await openEngineWithBundle({ root: repo.root, storeDir: t.dir }, bundle, { onLog: (_, m) => logs.push(m) });
    cleanups.push(() => engine.close());
    assert.ok(logs.some((l) => /rebuilding the index/.test(l)), logs.join('\n'));
    const summary = await engine.index();
    assert.equal(summary.filesIndexed, Object.keys(MULTI_LANGUAGE_PROJECT).length);
    assert.equal(summary.chunksReused, 0);
  });
});

describe('indexer: pause, typing, cancel, resume', () => {
  it('pauses between batches and completes after resume', async () => {
    const repo = repoOf(manyFiles(24));
    const engine = await engineFor(repo);
    const seen: IndexProgress[] = [];
    let paused = false;
    const run = engine.index({
      onProgress: (p) => {
        seen.push(p);
        if (!paused && p.chunksDone > 0) {
          paused = true;
          engine.pause();
        }
      },
    });
    while (!seen.some((p) => p.phase === 'paused')) await new Promise((r) => setTimeout(r, 20));
    const heldAt = (await engine.state()).progress;
    assert.equal(heldAt.phase, 'paused');
    await new Promise((r) => setTimeout(r, 400));
    const still = (await engine.state()).progress;
    assert.equal(still.chunksDone, heldAt.chunksDone, 'no chunk is committed while paused');
    assert.ok(still.filesDone < still.filesTotal);
    engine.resume();
    const summary = await run;
    assert.equal(summary.filesIndexed, 24);
    await assertEqualsFresh(engine, repo);
  });

  it('waits while the user types, then goes on', async () => {
    const repo = repoOf(manyFiles(3));
    const engine = await engineFor(repo);
    engine.setUserTyping(true);
    const seen: IndexProgress[] = [];
    const run = engine.index({ onProgress: (p) => seen.push(p) });
    while (!seen.some((p) => p.phase === 'paused')) await new Promise((r) => setTimeout(r, 20));
    assert.equal(seen.find((p) => p.phase === 'paused')?.message, 'waiting while you type');
    assert.equal((await engine.state()).chunks, 0);
    engine.setUserTyping(false);
    assert.equal((await run).filesIndexed, 3);
  });

  it('a cancelled run keeps committed batches; the next run resumes without redoing them and completes', async () => {
    const repo = repoOf(manyFiles(24));
    const engine = await engineFor(repo);
    let cancelled = false;
    const run = engine.index({
      onProgress: (p) => {
        if (!cancelled && p.chunksDone > 0) {
          cancelled = true;
          engine.cancel();
        }
      },
    });
    await assert.rejects(run, (err: unknown) => err instanceof CancelledError && /resumes/.test((err as Error).message));
    const partial = await engine.state();
    assert.ok(partial.files > 0 && partial.files < 24, `committed ${partial.files} of 24 files`);
    const resumed = await engine.index();
    assert.equal(resumed.filesUnchanged, partial.files, 'committed files are not redone');
    assert.equal(resumed.filesIndexed, 24 - partial.files);
    await assertEqualsFresh(engine, repo);
  });
});

describe('indexer: two writers on one store', () => {
  it('the second waits for the writer lock (and says so), then finds the work done', async () => {
    const repo = repoOf(manyFiles(12));
    const t = tempDir();
    cleanups.push(t.dispose);
    const first = await engineFor(repo, t.dir);
    const second = await engineFor(repo, t.dir);
    const waits: string[] = [];
    let secondRun: Promise<unknown> | null = null;
    const firstRun = first.index({
      onProgress: (p) => {
        if (!secondRun && p.chunksDone > 0) {
          secondRun = second.index({ onProgress: (q) => { if (q.message?.startsWith('waiting for another indexer')) waits.push(q.message); } });
        }
      },
    });
    const a = await firstRun;
    assert.ok(secondRun, 'the second run started while the first was indexing');
    const b = (await secondRun) as Awaited<typeof firstRun>;
    assert.ok(waits.length > 0, 'the second writer reported that it waits');
    assert.equal(a.filesIndexed, 12);
    assert.deepEqual([b.filesIndexed, b.chunksCompressed, b.filesUnchanged], [0, 0, 12]);
  });
});

describe('indexer: a writer killed mid-run', () => {
  it('leaves a consistent store, a stale lock that is taken over, and a resume that finishes the rest', async () => {
    const repo = repoOf(manyFiles(30));
    const t = tempDir();
    cleanups.push(t.dispose);
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, '..', 'fixtures', 'index-child.ts'), repo.root, t.dir, bundleUnderTest()],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += String(d); });
    const killedAfter = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d) => {
        out += String(d);
        if (out.includes('finished')) reject(new Error('the child finished before it could be killed'));
        const line = out.split('\n').find((l) => l.startsWith('committed'));
        if (line) {
          child.kill('SIGKILL');
          resolve(line);
        }
      });
      child.on('exit', (code) => { if (code !== null && code !== 0) reject(new Error(`child failed: ${stderr}`)); });
    });
    await new Promise((r) => child.once('exit', r));
    assert.ok(existsSync(path.join(t.dir, 'writer.lock')), 'the killed writer left its lock behind');

    const engine = await engineFor(repo, t.dir);
    // Nothing half-written is served: every recorded file has exactly its chunks, and no chunk lacks complete lines.
    const records = await engine.store.fileRecords();
    const chunks = await engine.store.allChunks();
    const committed = [...records.values()].filter((r) => r.status === 'indexed');
    assert.ok(committed.length > 0 && committed.length < 30, `${killedAfter}: ${committed.length} files recorded`);
    for (const rec of committed) assert.equal(chunks.filter((c) => c.path === rec.path).length, rec.chunks, rec.path);
    const resumed = await engine.index(); // takes over the stale lock
    assert.ok(resumed.filesUnchanged >= committed.length, 'committed files are not redone');
    assert.equal(resumed.filesUnchanged + resumed.filesIndexed, 30);
    assert.ok(!existsSync(path.join(t.dir, 'writer.lock')), 'the lock is released after the run');
    await assertEqualsFresh(engine, repo);
  });
});
