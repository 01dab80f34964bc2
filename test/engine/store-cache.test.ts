/**
 * What the store keeps in memory to stay fast as it grows: search's fp16 matrix (exact flat cosine, following this
 * handle's commits and re-reading after another handle's) and the known rows that let a batch of new paths be
 * appended without a table scan. Every answer is checked against a fresh handle reading the tables.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ModelBundle, ScoredChunk } from '../../extension/engine/engine-parts';
import { loadBundle } from '../../extension/engine/model/load-bundle';
import { flatCosine } from '../../extension/engine/retrieval/cosine';
import { float16Bits, float16Value } from '../../extension/engine/store/float16';
import { MemoryMatrix } from '../../extension/engine/store/memory-matrix';
import { MemoryStore } from '../../extension/engine/store/memory-store';
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

/** What a handle that has read nothing yet returns: the tables as they are on disk. */
async function freshNearest(dir: string, query: Float32Array): Promise<ScoredChunk[]> {
  const { store } = await MemoryStore.open(dir, identity());
  try {
    return await store.nearest(query, 1000);
  } finally {
    store.close();
  }
}

function summary(hits: ScoredChunk[]): string[] {
  return hits.map((h) => `${h.id} ${h.path}:${h.startLine}-${h.endLine} ${h.score.toFixed(6)}`);
}

describe('the store in memory', () => {
  it('search follows this handle\'s commits, another handle\'s commits and compaction, equal to a fresh read', async () => {
    const t = tempDir();
    cleanups.push(t.dispose);
    const { store } = await MemoryStore.open(t.dir, identity());
    const { rows, files } = await rowsFor(SOURCES, store);
    await store.commit({ chunks: rows, files, replacePaths: files.map((f) => f.path), removePaths: [] });
    const [query] = await bundle.query.encode(['add an item to the cart']);
    assert.deepEqual(summary(await store.nearest(query, 1000)), summary(await freshNearest(t.dir, query)));

    // This handle's own commits: a changed file, a removed file.
    const changed = await rowsFor({ 'src/cart.py': 'def remove_from_cart(cart, item):\n    cart.remove(item)\n' }, store);
    await store.commit({ chunks: changed.rows, files: changed.files, replacePaths: ['src/cart.py'], removePaths: [] });
    await store.commit({ chunks: [], files: [], replacePaths: [], removePaths: ['src/auth.ts'] });
    const mine = await store.nearest(query, 1000);
    assert.ok(mine.every((h) => h.path !== 'src/auth.ts'), 'a removed file is not found');
    assert.ok(mine.some((h) => h.id === changed.rows[0].id), 'the changed file is found');
    assert.deepEqual(summary(mine), summary(await freshNearest(t.dir, query)));

    // Another handle (another process) writes: this one reads the table again.
    const { store: other } = await MemoryStore.open(t.dir, identity());
    const added = await rowsFor({ 'lib/queue.py': 'class Queue:\n    def put(self, item):\n        self.items.append(item)\n' }, other);
    await other.commit({ chunks: added.rows, files: added.files, replacePaths: ['lib/queue.py'], removePaths: [] });
    other.close();
    const afterOther = await store.nearest(query, 1000);
    assert.ok(afterOther.some((h) => h.path === 'lib/queue.py'), 'another handle\'s commit is seen');
    assert.deepEqual(summary(afterOther), summary(await freshNearest(t.dir, query)));

    await store.compact();
    assert.deepEqual(summary(await store.nearest(query, 1000)), summary(afterOther));
    store.close();
  });

  it('memories() are the stored fp16 bits times the norm, and scores are their exact cosine', async () => {
    const t = tempDir();
    cleanups.push(t.dispose);
    const { store } = await MemoryStore.open(t.dir, identity());
    const { rows, files } = await rowsFor(SOURCES, store);
    await store.commit({ chunks: rows, files, replacePaths: files.map((f) => f.path), removePaths: [] });
    for (const reader of [store, (await MemoryStore.open(t.dir, identity())).store]) {
      const memories = await reader.memories(rows.map((r) => r.id));
      rows.forEach((r, i) => {
        const expected = Array.from(r.vector as Float32Array, (v) => Math.fround(float16Value(float16Bits(v)) * Math.fround(r.norm)));
        assert.deepEqual(Array.from(memories[i]), expected, `memory of ${r.path}`);
      });
      const [query] = await bundle.query.encode(['greatest common divisor']);
      const hits = await reader.nearest(query, rows.length);
      const byId = new Map(rows.map((r, i) => [r.id, memories[i]]));
      for (const h of hits) assert.ok(Math.abs(h.score - flatCosine(query, byId.get(h.id)!)) < 1e-5);
      await assert.rejects(reader.memories(['no-such-chunk']), /no longer in the index/);
      if (reader !== store) reader.close();
    }
    store.close();
  });

  it('a batch of new paths is appended; a path with rows (even without a file record) is replaced, never doubled', async () => {
    const t = tempDir();
    cleanups.push(t.dispose);
    const { store } = await MemoryStore.open(t.dir, identity());
    // A killed run can leave chunks committed without their file records.
    const cart = await rowsFor({ 'src/cart.py': SOURCES['src/cart.py'] }, store);
    await store.commit({ chunks: cart.rows, files: [], replacePaths: ['src/cart.py'], removePaths: [] });
    const all = await rowsFor(SOURCES, store);
    await store.commit({ chunks: all.rows, files: all.files, replacePaths: all.files.map((f) => f.path), removePaths: [] });
    const ids = (await store.allChunks()).map((c) => c.id);
    assert.equal(ids.length, all.rows.length);
    assert.equal(new Set(ids).size, ids.length, 'no chunk stored twice');
    assert.equal((await store.fileRecords()).size, Object.keys(SOURCES).length);

    // Another handle adds a path this handle has not seen; replacing it here must still replace, not append.
    const { store: other } = await MemoryStore.open(t.dir, identity());
    const queue = await rowsFor({ 'lib/queue.py': 'def put(q, item):\n    q.append(item)\n' }, other);
    await other.commit({ chunks: queue.rows, files: queue.files, replacePaths: ['lib/queue.py'], removePaths: [] });
    other.close();
    const again = await rowsFor({ 'lib/queue.py': 'def put(q, item):\n    q.append(item)\n' }, store);
    assert.equal(again.reused, again.rows.length, 'another handle\'s memories are reused');
    const next = await rowsFor({ 'lib/queue.py': 'def get(q):\n    return q.pop(0)\n' }, store);
    await store.commit({ chunks: next.rows, files: next.files, replacePaths: ['lib/queue.py'], removePaths: [] });
    const queueRows = (await store.allChunks()).filter((c) => c.path === 'lib/queue.py');
    assert.deepEqual(queueRows.map((c) => c.id).sort(), next.rows.map((r) => r.id).sort());
    const records = [...(await store.fileRecords()).values()].filter((f) => f.path === 'lib/queue.py');
    assert.equal(records.length, 1);
    assert.equal(records[0].contentHash, next.files[0].contentHash);
    store.close();
  });
});

describe('MemoryMatrix', () => {
  const DIM = 64;
  let seed = 12345;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648 - 0.5;
  };
  const unitBits = () => {
    const v = Array.from({ length: DIM }, random);
    const n = Math.hypot(...v);
    return Uint16Array.from(v, (x) => float16Bits(x / n));
  };
  const cos = (q: Float32Array, bits: Uint16Array) => flatCosine(q, Float32Array.from(bits, float16Value));

  it('is exact flat cosine over live rows through appends, replaced ids, removals and squeezing', () => {
    const matrix = new MemoryMatrix(DIM, 4);
    const live = new Map<string, { path: string; bits: Uint16Array }>();
    const chunk = (id: string, p: string) => ({ id, path: p, startLine: 1, endLine: 2, symbol: null, language: 'python', contentHash: id, modelVersion: 'v' });
    for (let i = 0; i < 3000; i++) {
      const bits = unitBits();
      const p = `f${i % 1500}.py`;
      matrix.append({ chunk: chunk(`c${i % 2000}`, p), bits, offset: 0, norm: 2 });
      live.set(`c${i % 2000}`, { path: p, bits });
    }
    assert.equal(matrix.size, 2000, 'an id appended again replaces its row');
    const gone = Array.from({ length: 1200 }, (_, i) => `f${i}.py`);
    matrix.removePaths(gone);
    for (const [id, r] of live) if (gone.includes(r.path)) live.delete(id);
    assert.equal(matrix.size, live.size);
    const query = Float32Array.from({ length: DIM }, random);
    const expected = [...live].map(([id, r]) => ({ id, score: cos(query, r.bits) })).sort((a, b) => b.score - a.score);
    const got = matrix.nearest(query, 25);
    assert.deepEqual(got.map((h) => h.id), expected.slice(0, 25).map((e) => e.id));
    got.forEach((h, i) => assert.ok(Math.abs(h.score - expected[i].score) < 1e-6));
    const [first] = got;
    assert.deepEqual(Array.from(matrix.memory(first.id)!), Array.from(live.get(first.id)!.bits, (b) => Math.fround(float16Value(b) * 2)));
    const removed = Array.from({ length: 2000 }, (_, i) => `c${i}`).find((id) => !live.has(id))!;
    assert.equal(matrix.memory(removed), undefined, 'a removed row is gone');
  });
});
