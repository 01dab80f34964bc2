/**
 * Fault: `clara index` (dist/cli.js, a real child process) killed with SIGKILL at random points of a large index,
 * ten times in a row on the same workspace. After every kill the store must open without a rebuild and serve only
 * complete files (each path's chunks are exactly a fresh index's chunks of that path); the final run must resume:
 * files already recorded are not read again, and memories already committed are reused, not recompressed —
 * measured from the summary's filesUnchanged / chunksCompressed / chunksReused.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import * as path from 'node:path';
import { type ClaraEngine, openEngineWithBundle } from '../../extension/engine/clara-engine';
import type { IndexSummary } from '../../extension/engine/engine-api';
import type { ModelBundle } from '../../extension/engine/engine-parts';
import { loadBundle } from '../../extension/engine/model/load-bundle';
import { MemoryStore } from '../../extension/engine/store/memory-store';
import { bundleUnderTest } from '../bundle/bundle-under-test';
import { FixtureRepo } from '../fixtures/fixture-repo';
import { assertSameIndex, bundleIdentity, type MemoryComparison, clara, jsonOut, prng, pythonModules, snapshotOf, startCli, type StoreSnapshot } from './reliability-kit';

const BUNDLE = bundleUnderTest();
const FILES = pythonModules(600, 2);
const KILLS = 10;
const SEED = Number(process.env.CLARA_FAULT_SEED ?? Date.now() % 100_000);

let bundle: ModelBundle;
let drift: MemoryComparison | undefined;
/** Chunks of the fresh index whose content occurs at one path only: assertSameIndex compares each of their memories. */
let freshChunkCount = 0;
const cleanups: Array<() => unknown> = [];
before(async () => {
  bundle = await loadBundle(BUNDLE, { executionProvider: 'cpu' });
});
after(async () => {
  for (const c of cleanups.reverse()) await c();
  await bundle?.close();
});

async function engineOn(root: string): Promise<ClaraEngine> {
  const engine = await openEngineWithBundle({ root, storeDir: path.join(root, '.clara') }, bundle);
  cleanups.push(() => engine.close());
  return engine;
}

describe('fault: the indexing process killed ten times in a row', () => {
  it(`opens, serves only complete files, and resumes without redoing committed work (seed ${SEED})`, async () => {
    const random = prng(SEED);
    // Calibration on an identical copy: how long a cold run and a no-op run take here, and the fresh index to match.
    const reference = new FixtureRepo(FILES, 'clara-kill-ref-');
    cleanups.push(() => reference.dispose());
    const cold = await clara(['index', reference.root, '--json', '--bundle', BUNDLE, '--provider', 'cpu']);
    assert.equal(cold.code, 0, cold.stderr);
    const coldSummary = jsonOut<{ summary: IndexSummary }>(cold).summary;
    const noop = await clara(['index', reference.root, '--json', '--bundle', BUNDLE, '--provider', 'cpu']);
    assert.equal(noop.code, 0, noop.stderr);
    const freshEngine = await engineOn(reference.root);
    const fresh = await snapshotOf(freshEngine);
    await freshEngine.close();
    const freshByPath = byPath(fresh);
    const hashCounts = new Map<string, number>();
    for (const key of fresh.chunks) hashCounts.set(key.split(':').at(-1)!, (hashCounts.get(key.split(':').at(-1)!) ?? 0) + 1);
    freshChunkCount = fresh.chunks.filter((key) => hashCounts.get(key.split(':').at(-1)!) === 1).length;

    const repo = new FixtureRepo(FILES, 'clara-kill-');
    cleanups.push(() => repo.dispose());
    const rounds: string[] = [];
    let killed = 0;
    let previousFiles = 0;
    for (let round = 0; round < KILLS; round++) {
      // A random point, chosen by progress rather than by the clock (timings swing widely on a shared machine):
      // either somewhere in start-up (loading the bundle, opening the store, scanning), or after the child has made
      // K more commits to the chunks table (each is a new LanceDB version file), plus a random part of the next batch.
      const afterCommits = random() < 0.2 ? 0 : 1 + Math.floor(random() * 2);
      const extraMs = Math.round(random() * (afterCommits === 0 ? noop.ms : 150));
      const versions = path.join(repo.root, '.clara', 'lance', 'chunks.lance', '_versions');
      const countVersions = () => { try { return readdirSync(versions).length; } catch { return 0; } };
      const startVersions = countVersions();
      const run = startCli(['index', repo.root, '--bundle', BUNDLE, '--provider', 'cpu']);
      let seen = startVersions;
      const poll = setInterval(() => {
        seen = Math.max(seen, countVersions());
        if (seen - startVersions >= afterCommits) {
          clearInterval(poll);
          setTimeout(() => run.child.kill('SIGKILL'), extraMs);
        }
      }, 5);
      const result = await run.done;
      clearInterval(poll);
      const delay = `${afterCommits} commits + ${extraMs} ms`;
      if (result.signal === 'SIGKILL') killed++;
      else assert.equal(result.code, 0, `round ${round} failed instead of being killed: ${result.stderr}`);

      // Reopen exactly as the engine does: no rebuild (a rebuild would throw committed work away).
      const opened = await MemoryStore.open(path.join(repo.root, '.clara'), bundleIdentity(BUNDLE));
      opened.store.close();
      assert.equal(opened.rebuilt, null, `round ${round}: the store needed a rebuild after SIGKILL: ${opened.rebuilt}`);
      const engine = await engineOn(repo.root);
      const now = await snapshotOf(engine, false);
      const records = [...(await engine.store.fileRecords()).values()].filter((r) => r.status === 'indexed');
      // Nothing half-written is served: every path in the store has exactly the chunks a fresh index gives it,
      // and every recorded file has all of its chunks.
      for (const [p, keys] of byPath(now)) assert.deepEqual(keys, freshByPath.get(p), `round ${round}: ${p} is served half-written`);
      for (const rec of records) assert.equal(byPath(now).get(rec.path)?.length ?? 0, rec.chunks, `round ${round}: ${rec.path} lacks chunks`);
      // A search answers from what is there (or from nothing) without an error.
      await engine.search('scales the value and offsets it', 3);
      await engine.close();
      assert.ok(records.length >= previousFiles, `round ${round}: committed files went from ${previousFiles} to ${records.length}`);
      previousFiles = records.length;
      rounds.push(`${result.signal ?? `exit ${result.code}`} after ${delay} → ${records.length} files, ${now.chunks.length} chunks`);
    }
    console.log(`[kill-resume] seed ${SEED}; cold run ${cold.ms} ms, no-op run ${noop.ms} ms, ${Object.keys(FILES).length} files, ` +
      `${coldSummary.chunksCompressed} chunks\n  ${rounds.join('\n  ')}`);
    assert.ok(killed >= KILLS - 2, `only ${killed} of ${KILLS} runs were killed mid-way (seed ${SEED})`);

    // Resume: what the ten runs committed is not redone.
    const beforeResume = await engineOn(repo.root);
    const stored = await snapshotOf(beforeResume, false);
    const storedHashes = new Set(stored.chunks.map((k) => k.split(':').at(-1)));
    const recordedRecs = [...(await beforeResume.store.fileRecords()).values()].filter((r) => r.status === 'indexed');
    const recorded = recordedRecs.length;
    const recordedChunks = recordedRecs.reduce((n, r) => n + r.chunks, 0);
    await beforeResume.close();
    const resumed = await clara(['index', repo.root, '--json', '--bundle', BUNDLE, '--provider', 'cpu']);
    assert.equal(resumed.code, 0, resumed.stderr);
    const summary = jsonOut<{ summary: IndexSummary }>(resumed).summary;
    const freshHashes = fresh.chunks.map((k) => k.split(':').at(-1));
    const expectCompressed = freshHashes.filter((h) => !storedHashes.has(h)).length;
    console.log(`[kill-resume] before the resume: ${recorded} files recorded, ${stored.chunks.length} chunks stored; ` +
      `resume: ${JSON.stringify(summary)}`);
    assert.equal(summary.filesUnchanged, recorded, 'recorded files are not read again');
    assert.equal(summary.filesIndexed, Object.keys(FILES).length - recorded);
    assert.equal(summary.chunksCompressed, expectCompressed, 'only chunks never committed are compressed');
    assert.equal(summary.chunksCompressed + summary.chunksReused, fresh.chunks.length - recordedChunks,
      'the resume handles exactly the chunks of the files not yet recorded');

    const final = await engineOn(repo.root);
    drift = assertSameIndex(await snapshotOf(final), fresh, 'after ten kills and a resume');
    console.log(`[kill-resume] equal to a fresh index, ${drift.compared} memories bitwise identical`);
  });

  it('every resumed memory was compared bitwise with the fresh index\'s (none skipped)', () => {
    assert.ok(drift, 'the kill test ran');
    assert.ok(freshChunkCount > 0);
    assert.equal(drift.compared, freshChunkCount, 'memories compared');
  });
});

function byPath(s: StoreSnapshot): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const key of s.chunks) {
    const p = key.slice(0, key.indexOf(':'));
    out.set(p, [...(out.get(p) ?? []), key]);
  }
  return out;
}

