/**
 * Fault: the store's files damaged on disk (truncated data files, garbage manifests, a missing table, the store folder
 * replaced by a file), a store written by an older schema, and one written by another model version. Each is
 * detected on open, reported through onLog, rebuilt — never a crash — and after a reindex the index equals a fresh
 * one; memories of another model are never served next to the current model's.
 */
import * as lancedb from '@lancedb/lancedb';
import assert from 'node:assert/strict';
import { cpSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type ClaraEngine, openEngineWithBundle } from '../../extension/engine/clara-engine';
import type { ModelBundle } from '../../extension/engine/engine-parts';
import { loadBundle } from '../../extension/engine/model/load-bundle';
import { nonFiniteToNull } from '../../extension/engine/model/manifest-check';
import { bundleUnderTest } from '../bundle/bundle-under-test';
import { FixtureRepo, MULTI_LANGUAGE_PROJECT, tempDir } from '../fixtures/fixture-repo';
import { assertSameIndex, clara, jsonOut, snapshotOf, type StoreSnapshot } from './reliability-kit';

let bundle: ModelBundle;
let repo: FixtureRepo;
let pristine: string;
let fresh: StoreSnapshot;
const cleanups: Array<() => unknown> = [];

before(async () => {
  bundle = await loadBundle(bundleUnderTest(), { executionProvider: 'cpu' });
  repo = new FixtureRepo(MULTI_LANGUAGE_PROJECT, 'clara-storefault-');
  cleanups.push(() => repo.dispose());
  const t = tempDir();
  cleanups.push(t.dispose);
  pristine = t.dir;
  const engine = await openEngineWithBundle({ root: repo.root, storeDir: pristine }, bundle);
  await engine.index();
  fresh = await snapshotOf(engine);
  await engine.close();
});
after(async () => {
  for (const c of cleanups.reverse()) await c();
  await bundle?.close();
});

/** A copy of the indexed store to damage. */
function copyOfStore(): string {
  const t = tempDir();
  cleanups.push(t.dispose);
  cpSync(pristine, t.dir, { recursive: true });
  return t.dir;
}

function filesUnder(dir: string, suffix: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const p = path.join(e.parentPath ?? (e as unknown as { path: string }).path, e.name);
    if (e.isFile() && p.endsWith(suffix)) out.push(p);
  }
  return out;
}

/** The newest manifest of a table (LanceDB names versions so that the newest sorts first). */
function latestManifest(storeDir: string, table: string): string {
  const dir = path.join(storeDir, 'lance', `${table}.lance`, '_versions');
  return path.join(dir, readdirSync(dir).filter((f) => f.endsWith('.manifest')).sort()[0]);
}

async function openLogged(storeDir: string, b: ModelBundle = bundle): Promise<{ engine: ClaraEngine; logs: string[] }> {
  const logs: string[] = [];
  const engine = await openEngineWithBundle({ root: repo.root, storeDir }, b, { onLog: (_level, m) => logs.push(m) });
  cleanups.push(() => engine.close());
  return { engine, logs };
}

/** Detected on open and reported; the rebuilt store answers (from nothing) and a reindex equals a fresh index. */
async function assertRebuiltAndRecovers(storeDir: string, what: string, expected: RegExp): Promise<void> {
  const { engine, logs } = await openLogged(storeDir);
  assert.ok(logs.some((l) => expected.test(l)), `${what}: no rebuild notice (logs: ${JSON.stringify(logs)})`);
  console.log(`[store-faults] ${what}: ${logs.find((l) => expected.test(l))}`);
  assert.equal((await engine.state()).chunks, 0, `${what}: the rebuilt store starts empty`);
  await engine.search('stock level of the warehouse', 3);
  const summary = await engine.index();
  assert.equal(summary.filesIndexed, Object.keys(MULTI_LANGUAGE_PROJECT).length);
  assertSameIndex(await snapshotOf(engine), fresh, what);
  await engine.close();
}

describe('fault: a damaged store is detected on open and rebuilt', () => {
  it('truncated chunk data files', async () => {
    const dir = copyOfStore();
    const data = filesUnder(path.join(dir, 'lance', 'chunks.lance', 'data'), '.lance');
    assert.ok(data.length > 0);
    for (const f of data) truncateSync(f, Math.floor(statSync(f).size / 2));
    await assertRebuiltAndRecovers(dir, 'truncated chunk data', /could not be read|rebuild/);
  });

  it('chunk data files overwritten with random bytes of the same size', async () => {
    const dir = copyOfStore();
    for (const f of filesUnder(path.join(dir, 'lance', 'chunks.lance', 'data'), '.lance')) {
      const size = statSync(f).size;
      const junk = Buffer.alloc(size);
      for (let i = 0; i < size; i++) junk[i] = (i * 2654435761) >>> 24;
      writeFileSync(f, junk);
    }
    await assertRebuiltAndRecovers(dir, 'garbage chunk data', /could not be read|rebuild/);
  });

  it('a garbage manifest for the files table', async () => {
    const dir = copyOfStore();
    writeFileSync(latestManifest(dir, 'files'), 'not a lance manifest at all');
    await assertRebuiltAndRecovers(dir, 'garbage files manifest', /could not be read|rebuild/);
  });

  it('an empty (zero-byte) manifest for the chunks table', async () => {
    const dir = copyOfStore();
    truncateSync(latestManifest(dir, 'chunks'), 0);
    await assertRebuiltAndRecovers(dir, 'empty chunks manifest', /could not be read|rebuild/);
  });

  it('a missing table', async () => {
    const dir = copyOfStore();
    rmSync(path.join(dir, 'lance', 'chunks.lance'), { recursive: true, force: true });
    await assertRebuiltAndRecovers(dir, 'missing chunks table', /incomplete|could not be read|rebuild/);
  });

  it('the database folder replaced by a file', async () => {
    const dir = copyOfStore();
    rmSync(path.join(dir, 'lance'), { recursive: true, force: true });
    writeFileSync(path.join(dir, 'lance'), 'a file where the database folder was');
    await assertRebuiltAndRecovers(dir, 'database folder replaced by a file', /could not be read/);
  });

  it('a store written by an older schema', async () => {
    const dir = copyOfStore();
    // Simulates what an older build left behind: its meta record stamps schema 0.
    const db = await lancedb.connect(path.join(dir, 'lance'));
    const meta = await db.openTable('meta');
    await meta.update({ where: "key = 'schema_version'", valuesSql: { value: "'0'" } });
    db.close();
    await assertRebuiltAndRecovers(dir, 'older schema', /schema 0 differs/);
  });
});

describe('fault: a store written by another model version', () => {
  it('is rebuilt on open; no memory of the other model is ever served next to the current one', async () => {
    // Another model: the same bundle files under a different manifest version (what a model update looks like).
    const other = tempDir('clara-otherbundle-');
    cleanups.push(other.dispose);
    cpSync(bundle.dir ?? bundleUnderTest(), other.dir, { recursive: true });
    const manifestFile = path.join(other.dir, 'manifest.json');
    const manifest = JSON.parse(nonFiniteToNull(readFileSync(manifestFile, 'utf8'))) as { version: string };
    manifest.version = `${manifest.version}-next`;
    writeFileSync(manifestFile, JSON.stringify(manifest, null, 1));
    const otherBundle = await loadBundle(other.dir, { executionProvider: 'cpu' });
    cleanups.push(() => otherBundle.close());

    const dir = copyOfStore();
    const { engine, logs } = await openLogged(dir, otherBundle);
    assert.ok(logs.some((l) => /built with model .* rebuilding/.test(l)), JSON.stringify(logs));
    assert.deepEqual(await engine.search('stock level of the warehouse', 5), [], 'nothing of the old model is served');
    await engine.index();
    const chunks = await engine.store.allChunks();
    assert.ok(chunks.length > 0);
    assert.ok(chunks.every((c) => c.modelVersion === manifest.version), 'every memory is of the current model');
    await engine.close();

    // And back: the first model's engine rebuilds again rather than reading the other model's memories.
    const back = await openLogged(dir);
    assert.ok(back.logs.some((l) => /rebuilding/.test(l)));
    await back.engine.index();
    assert.ok((await back.engine.store.allChunks()).every((c) => c.modelVersion === bundle.manifest.version));
  });
});



describe('fault: a damaged store met by the CLI', () => {
  it('clara index says on stderr that it rebuilds, and why, then indexes everything', async () => {
    const cliRepo = new FixtureRepo(MULTI_LANGUAGE_PROJECT, 'clara-storefault-cli-');
    cleanups.push(() => cliRepo.dispose());
    const bundleDir = bundleUnderTest();
    assert.equal((await clara(['index', cliRepo.root, '--bundle', bundleDir, '--provider', 'cpu'])).code, 0);
    const storeDir = path.join(cliRepo.root, '.clara');
    for (const f of filesUnder(path.join(storeDir, 'lance', 'files.lance', 'data'), '.lance')) truncateSync(f, 8);
    const r = await clara(['index', cliRepo.root, '--json', '--bundle', bundleDir, '--provider', 'cpu']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /clara: the store could not be read \(.*\); rebuilding it/);
    assert.equal(jsonOut<{ summary: { filesIndexed: number } }>(r).summary.filesIndexed, Object.keys(MULTI_LANGUAGE_PROJECT).length);
  });
});
