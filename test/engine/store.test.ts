/**
 * The LanceDB store with memories from the real compressor: round trip (memory = vector × norm within fp16
 * tolerance), exact flat cosine search, BM25 over the lexical column, reuse by content hash, versioned rebuilds,
 * recovery from a corrupt store, and the writer lock.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ModelBundle } from '../../extension/engine/engine-parts';
import { loadBundle } from '../../extension/engine/model/load-bundle';
import { chunkLexicalText, identifierParts } from '../../extension/engine/store/lexical-terms';
import { MemoryStore } from '../../extension/engine/store/memory-store';
import { acquireWriterLock, LOCK_FILE, tryAcquireWriterLock } from '../../extension/engine/store/writer-lock';
import { bundleUnderTest } from '../bundle/bundle-under-test';
import { tempDir } from '../fixtures/fixture-repo';
import { rowsFor as rowsForSources, SOURCES, storeIdentity } from './store-fixture';


let bundle: ModelBundle;
const cleanups: Array<() => void> = [];
before(async () => {
  bundle = await loadBundle(bundleUnderTest(), { executionProvider: 'cpu' });
});
after(async () => {
  cleanups.forEach((c) => c());
  await bundle?.close();
});

function identity() {
  return storeIdentity(bundle);
}

function rowsFor(sources: Record<string, string>, store: MemoryStore) {
  return rowsForSources(bundle, sources, store);
}

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0; let na = 0; let nb = 0;
  for (let i = 0; i < a.length; i++) { dot += a[i] * b[i]; na += a[i] * a[i]; nb += b[i] * b[i]; }
  return dot / Math.sqrt(na * nb);
}

async function openStore(): Promise<{ store: MemoryStore; dir: string }> {
  const t = tempDir();
  cleanups.push(t.dispose);
  const { store, rebuilt } = await MemoryStore.open(t.dir, identity());
  assert.equal(rebuilt, null);
  return { store, dir: t.dir };
}

describe('MemoryStore', () => {
  it('round-trips memories: vector × norm equals the compressor output within fp16 tolerance', async () => {
    const { store } = await openStore();
    const { rows, files } = await rowsFor(SOURCES, store);
    await store.commit({ chunks: rows, files, replacePaths: files.map((f) => f.path), removePaths: [] });
    const chunks = await store.allChunks();
    assert.equal(chunks.length, rows.length);
    const texts = chunks.map((ch) => bundle.manifest.doc_template.split('{path}').join(ch.path)
      .split('{code}').join(SOURCES[ch.path].replace(/\n$/, '').split('\n').slice(ch.startLine - 1, ch.endLine).join('\n')));
    const fresh = await bundle.compressor.encode(texts);
    const stored = await store.memories(chunks.map((ch) => ch.id));
    stored.forEach((m, i) => {
      assert.equal(m.length, identity().dim);
      let maxAbs = 0;
      for (const v of fresh[i]) maxAbs = Math.max(maxAbs, Math.abs(v));
      for (let j = 0; j < m.length; j++) {
        // fp16 keeps 11 significant bits: relative error ≤ 2^-11 of the unit vector's entries, scaled by the norm.
        assert.ok(Math.abs(m[j] - fresh[i][j]) <= maxAbs * 2 ** -10 + 1e-6, `entry ${j}: ${m[j]} vs ${fresh[i][j]}`);
      }
      assert.ok(cosine(m, fresh[i]) > 0.9999);
    });
    store.close();
  });

  it('nearest() is exact flat cosine over every chunk, best first', async () => {
    const { store } = await openStore();
    const { rows, files } = await rowsFor(SOURCES, store);
    await store.commit({ chunks: rows, files, replacePaths: files.map((f) => f.path), removePaths: [] });
    const [query] = await bundle.query.encode(['greatest common divisor of two integers']);
    const hits = await store.nearest(query, rows.length);
    assert.equal(hits.length, rows.length);
    const memories = await store.memories(hits.map((h) => h.id));
    hits.forEach((h, i) => {
      assert.ok(Math.abs(h.score - cosine(query, memories[i])) < 1e-3, `${h.score} vs ${cosine(query, memories[i])}`);
      if (i > 0) assert.ok(hits[i - 1].score >= h.score);
    });
    store.close();
  });

  it('lexical() finds chunks by identifier parts and path words through the BM25 index', async () => {
    const { store } = await openStore();
    const { rows, files } = await rowsFor(SOURCES, store);
    await store.commit({ chunks: rows, files, replacePaths: files.map((f) => f.path), removePaths: [] });
    assert.deepEqual(await store.lexical('verify password', 3), [], 'no BM25 index before refreshLexicalIndex');
    await store.refreshLexicalIndex();
    const byParts = await store.lexical('where is the password hash verified?', 3);
    assert.equal(byParts[0]?.path, 'src/auth.ts');
    const byPath = await store.lexical('http client', 3);
    assert.equal(byPath[0]?.path, 'src/http_client.rs');
    assert.ok(byParts[0].score > 0);
    store.close();
  });

  it('a second store handle on the same folder (another process reading) sees commits and the BM25 index', async () => {
    const { store: writer, dir } = await openStore();
    const { store: reader } = await MemoryStore.open(dir, identity());
    assert.deepEqual(await reader.lexical('password hash', 3), []);
    const { rows, files } = await rowsFor(SOURCES, writer);
    await writer.commit({ chunks: rows, files, replacePaths: files.map((f) => f.path), removePaths: [] });
    await writer.refreshLexicalIndex();
    assert.equal((await reader.counts()).chunks, rows.length);
    assert.equal((await reader.lexical('password hash', 3))[0]?.path, 'src/auth.ts');
    const [query] = await bundle.query.encode(['retry an http fetch']);
    assert.equal((await reader.nearest(query, 100)).length, rows.length);
    reader.close();
    writer.close();
  });

  it('keeps no source text: the lexical column is a bag of identifier words', () => {
    assert.deepEqual(identifierParts('parseHTTPRequest_v2'), ['parse', 'http', 'request', 'v2']);
    const text = chunkLexicalText('src/auth.ts', 'verifyPasswordHash', 'return hash === password; // "quoted"');
    assert.ok(text.includes('verify') && text.includes('password') && text.includes('auth'));
    assert.ok(!text.includes('===') && !text.includes('"') && !text.includes('//'));
  });

  it('replaces a file atomically, retires dropped memories and finds them again by content hash', async () => {
    const { store } = await openStore();
    const { rows, files } = await rowsFor(SOURCES, store);
    await store.commit({ chunks: rows, files, replacePaths: files.map((f) => f.path), removePaths: [] });
    const cartRows = rows.filter((r) => r.path === 'src/cart.py');
    await store.commit({ chunks: [], files: [], replacePaths: [], removePaths: ['src/cart.py'] });
    assert.ok((await store.allChunks()).every((c) => c.path !== 'src/cart.py'));
    assert.ok(!(await store.fileRecords()).has('src/cart.py'));
    const found = await store.findMemories(cartRows.map((r) => r.content_hash));
    assert.equal(found.size, new Set(cartRows.map((r) => r.content_hash)).size, 'removed memories stay findable');
    const again = await rowsFor({ 'moved/cart.py': SOURCES['src/cart.py'] }, store);
    assert.equal(again.compressed, 0);
    assert.equal(again.reused, cartRows.length);
    assert.deepEqual(Array.from(again.rows[0].vector as Float32Array).slice(0, 8).map((v) => v.toFixed(3)),
      Array.from(cartRows[0].vector as Float32Array).slice(0, 8).map((v) => v.toFixed(3)));
    store.close();
  });

  it('tells what an index was built with without changing it, so a tool can refuse a store of another bundle', async () => {
    const { store, dir } = await openStore();
    const { rows, files } = await rowsFor(SOURCES, store);
    await store.commit({ chunks: rows, files, replacePaths: files.map((f) => f.path), removePaths: [] });
    store.close();
    assert.deepEqual(await MemoryStore.builtWith(dir), identity());
    assert.deepEqual(await MemoryStore.builtWith(dir), identity(), 'read twice: nothing was changed');
    const kept = await MemoryStore.open(dir, identity());
    assert.equal((await kept.store.counts()).chunks, rows.length);
    kept.store.close();
    assert.equal(await MemoryStore.builtWith(path.join(dir, 'no-such-store')), null);
  });

  it('rebuilds (with a reason) when the model version changes or the store is corrupt, never crashing', async () => {
    const { store, dir } = await openStore();
    const { rows, files } = await rowsFor(SOURCES, store);
    await store.commit({ chunks: rows, files, replacePaths: files.map((f) => f.path), removePaths: [] });
    store.close();
    const other = await MemoryStore.open(dir, { ...identity(), modelVersion: 'another-model' });
    assert.match(other.rebuilt ?? '', /built with model .* the bundle is another-model; rebuilding the index/);
    assert.equal((await other.store.counts()).chunks, 0);
    other.store.close();
    // Overwrite every data file of the chunks table with garbage: reading it must fail, opening must recover.
    const chunksDir = path.join(dir, 'lance', 'chunks.lance');
    const manifests = readdirSync(path.join(chunksDir, '_versions'));
    for (const m of manifests) writeFileSync(path.join(chunksDir, '_versions', m), 'not a lance manifest');
    const recovered = await MemoryStore.open(dir, { ...identity(), modelVersion: 'another-model' });
    assert.match(recovered.rebuilt ?? '', /could not be read|incomplete|rebuilding/);
    assert.equal((await recovered.store.counts()).chunks, 0);
    recovered.store.close();
  });
});

describe('writer lock', () => {
  it('lets one writer in, tells the second who holds it, and takes over a lock whose process died', async () => {
    const t = tempDir();
    cleanups.push(t.dispose);
    const first = await tryAcquireWriterLock(t.dir, 'cli');
    assert.ok('lock' in first);
    const second = await tryAcquireWriterLock(t.dir, 'extension');
    assert.ok('heldBy' in second && second.heldBy.holder === 'cli' && second.heldBy.pid === process.pid);
    await first.lock.release();
    // A lock left by a process that has exited (its pid is no longer alive) is stale.
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    writeFileSync(path.join(t.dir, LOCK_FILE), JSON.stringify({ pid: Number(dead), startedAt: '2020-01-01T00:00:00Z', holder: 'crashed' }));
    const taken = await acquireWriterLock(t.dir, 'extension', { pollMs: 10 });
    assert.equal(JSON.parse(readFileSync(path.join(t.dir, LOCK_FILE), 'utf8')).holder, 'extension');
    await taken.release();
    const controller = new AbortController();
    const held = await tryAcquireWriterLock(t.dir, 'cli');
    assert.ok('lock' in held);
    const waits: string[] = [];
    const waiting = acquireWriterLock(t.dir, 'extension', { signal: controller.signal, pollMs: 10, onWait: (o) => waits.push(o.holder) });
    setTimeout(() => controller.abort(), 50);
    await assert.rejects(waiting, /cancelled while waiting for the writer lock/);
    assert.ok(waits.length > 0 && waits.every((w) => w === 'cli'));
    await held.lock.release();
    // A lock naming this very pid that this process does not hold: left by an earlier process with the same pid.
    writeFileSync(path.join(t.dir, LOCK_FILE), JSON.stringify({ pid: process.pid, startedAt: '2020-01-01T00:00:00Z', holder: 'before a restart', token: 'gone' }));
    const reused = await tryAcquireWriterLock(t.dir, 'cli');
    assert.ok('lock' in reused, 'a lock with our pid but no token held here is stale');
    await reused.lock.release();
    assert.deepEqual(readdirSync(t.dir), [], 'no lock or temp file is left behind');
  });
});
