/**
 * Retrieval on the real bundle: query.onnx + flat cosine over memories from the real compressor, with and without
 * lexical fusion.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ModelBundle } from '../../extension/engine/engine-parts';
import { loadBundle } from '../../extension/engine/model/load-bundle';
import { flatCosine } from '../../extension/engine/retrieval/cosine';
import { cutQuestion, LEXICAL_QUESTION_WINDOWS, retrievalQuestion } from '../../extension/engine/retrieval/question-cut';
import { reciprocalRankFusion } from '../../extension/engine/retrieval/rank-fusion';
import { retrieve } from '../../extension/engine/retrieval/retrieve';
import { bundleUnderTest } from '../bundle/bundle-under-test';
import { ExactMemoryReader, SAMPLE_DOCS } from './exact-memory-reader';

describe('retrieve', () => {
  let bundle: ModelBundle;
  let store: ExactMemoryReader;

  before(async () => {
    bundle = await loadBundle(bundleUnderTest(), { executionProvider: 'cpu' });
    store = await ExactMemoryReader.build(bundle, SAMPLE_DOCS);
  });
  after(async () => { await bundle?.close(); });

  it('returns top-k hits ranked 1..k by descending cosine in [-1, 1], equal to the exact flat cosine', async () => {
    const question = 'how is the sum of two numbers computed';
    const hits = await retrieve(bundle, store, question, { topK: 4, lexicalFusion: false });
    assert.equal(hits.length, 4);
    const [q] = await bundle.query.encode([question]);
    hits.forEach((h, i) => {
      assert.equal(h.rank, i + 1);
      assert.ok(h.score >= -1 && h.score <= 1, `score ${h.score}`);
      assert.equal(h.score, h.memoryScore);
      assert.equal(h.lexicalScore, undefined);
      assert.ok(Math.abs(h.memoryScore - flatCosine(q, store.memoryOf(h.chunkId))) < 1e-6);
      if (i > 0) assert.ok(hits[i - 1].score >= h.score);
    });
  });

  it('with lexical fusion keeps both scores, and a lexical-only match gets its true memory score', async () => {
    const question = 'slugify';
    const hits = await retrieve(bundle, store, question, { topK: 6, lexicalFusion: true });
    assert.equal(hits.length, SAMPLE_DOCS.length);
    const [q] = await bundle.query.encode([question]);
    for (const h of hits) {
      assert.equal(typeof h.lexicalScore, 'number');
      assert.ok(Math.abs(h.memoryScore - flatCosine(q, store.memoryOf(h.chunkId))) < 1e-6);
    }
    for (let i = 1; i < hits.length; i++) assert.ok(hits[i - 1].score >= hits[i].score, 'fused scores are sorted');
    const slug = hits.find((h) => h.path === 'text/slug.py')!;
    assert.equal(slug.lexicalScore, 1);
    // The only lexical match scores 1/61 from that list plus its memory-rank share; every other chunk gets at most 1/61.
    assert.equal(slug.rank, 1);
    for (const h of hits.filter((x) => x !== slug)) assert.equal(h.lexicalScore, 0);
  });

  it('reads a long question past its first window lexically, and its first window by memory', async () => {
    // An issue report whose first window says nothing about the code, and whose named function comes last.
    const report = `Help: my tool crashes. ${'Nobody knows why, sorry. '.repeat(40)}`
      + 'The traceback ends in is_weekend from the dates module.';
    const max = bundle.manifest.query_max_tokens;
    const n = bundle.tokenizer.count(report);
    assert.ok(n > 2 * max && n < LEXICAL_QUESTION_WINDOWS * max, `${n} tokens: longer than two windows, within the limit`);
    const firstWindow = cutQuestion(bundle.tokenizer, report, max);
    assert.deepEqual(await store.lexical(firstWindow, 10), [], 'no word of the first window is in any chunk');
    const hits = await retrieve(bundle, store, report, { topK: 3, lexicalFusion: true });
    const weekend = hits.find((h) => h.path === 'dates/weekday.py');
    assert.ok(weekend, `found: ${hits.map((h) => h.path).join(', ')}`);
    assert.ok((weekend.lexicalScore ?? 0) > 0, 'the lexical list read past the first window');
    // The memory side read the first window, exactly as the query encoder was trained.
    const [q] = await bundle.query.encode([firstWindow]);
    for (const h of hits) assert.ok(Math.abs(h.memoryScore - flatCosine(q, store.memoryOf(h.chunkId))) < 1e-6);
  });

  it('ranks any top k as the first k of the deepest search (the pools do not depend on k), over 160 chunks', async () => {
    // Words shared across many chunks, so that both candidate lists run deep and a pool cut at 20 changes the fusion.
    const verbs = ['parse', 'load', 'save', 'merge', 'split', 'format', 'check', 'build'];
    const nouns = ['config', 'cookie', 'url', 'record', 'header', 'token', 'path', 'table', 'date', 'user'];
    const docs = Array.from({ length: 160 }, (_, i) => {
      const verb = verbs[i % verbs.length];
      const noun = nouns[(i * 7) % nouns.length];
      const other = nouns[(i * 3 + 1) % nouns.length];
      return { path: `pkg/${noun}_${i}.py`, symbol: `${verb}_${noun}`,
        code: `def ${verb}_${noun}(${other}, value=${i}):\n    "${verb} the ${noun} of a ${other}."\n    return ${other}.${noun}(value)` };
    });
    const big = await ExactMemoryReader.build(bundle, docs);
    const questions = ['how is the config of a user parsed?', 'where is a cookie header merged into the table?',
      'which function splits a url path?', 'format the date of a record', 'check the token of a user and save it'];
    for (const q of questions) {
      const deepest = (await retrieve(bundle, big, q, { topK: 50, lexicalFusion: true })).map((h) => h.chunkId);
      for (const k of [1, 5, 10]) {
        const top = (await retrieve(bundle, big, q, { topK: k, lexicalFusion: true })).map((h) => h.chunkId);
        assert.deepEqual(top, deepest.slice(0, k), `${q} (top ${k})`);
      }
    }
  });

  it('returns fewer hits than k when the store holds fewer memories', async () => {
    const hits = await retrieve(bundle, store, 'stack push', { topK: 50, lexicalFusion: false });
    assert.equal(hits.length, SAMPLE_DOCS.length);
  });
});

describe('reciprocalRankFusion', () => {
  it('adds 1/(k+rank) over the rankings and sorts by it', () => {
    const fused = reciprocalRankFusion([['a', 'b', 'c'], ['c', 'a']], 60);
    assert.deepEqual(fused.map((f) => f.id), ['a', 'c', 'b']);
    assert.ok(Math.abs(fused[0].fused - (1 / 61 + 1 / 62)) < 1e-12);
    assert.ok(Math.abs(fused[2].fused - 1 / 62) < 1e-12);
  });

  it('weights each ranking: weight/(k+rank); a weight-0 list only orders what the other lists leave out', () => {
    const weighted = reciprocalRankFusion([{ ids: ['m1', 'both', 'm2'], weight: 0.25 }, { ids: ['l1', 'both'], weight: 1 }], 60);
    assert.deepEqual(weighted.map((f) => f.id), ['both', 'l1', 'm1', 'm2']);
    assert.ok(Math.abs(weighted[0].fused - (0.25 / 62 + 1 / 62)) < 1e-12);
    const lexicalOnly = reciprocalRankFusion([{ ids: ['m1', 'both', 'm2'], weight: 0 }, { ids: ['l1', 'both'], weight: 1 }], 60);
    assert.deepEqual(lexicalOnly.map((f) => f.id), ['l1', 'both', 'm1', 'm2']);
    // Equal weights are plain RRF.
    assert.deepEqual(reciprocalRankFusion([{ ids: ['a', 'b', 'c'], weight: 1 }, { ids: ['c', 'a'], weight: 1 }], 60),
      reciprocalRankFusion([['a', 'b', 'c'], ['c', 'a']], 60));
  });
});

describe('cutQuestion', () => {
  it('keeps a short question as it is and cuts a long one to exactly query_max_tokens tokens', async () => {
    const bundle = await loadBundle(bundleUnderTest(), { executionProvider: 'cpu' });
    try {
      const max = bundle.manifest.query_max_tokens;
      assert.equal(cutQuestion(bundle.tokenizer, 'what does slugify do?', max), 'what does slugify do?');
      const long = 'how does the stack push and pop items 🎉 '.repeat(500);
      const cut = cutQuestion(bundle.tokenizer, long, max);
      assert.ok(long.startsWith(cut));
      assert.ok(!cut.includes('\uFFFD'));
      const n = bundle.tokenizer.count(cut);
      assert.ok(n <= max && n >= max - 4, `${n} tokens`);
    } finally {
      await bundle.close();
    }
  });
});

describe('retrievalQuestion', () => {
  it('gives both sides a short question whole', async () => {
    const bundle = await loadBundle(bundleUnderTest(), { executionProvider: 'cpu' });
    try {
      const q = 'what does slugify do?';
      assert.deepEqual(retrievalQuestion(bundle.tokenizer, q, bundle.manifest.query_max_tokens), { forMemory: q, forLexical: q });
    } finally {
      await bundle.close();
    }
  });

  it('cuts a long question to one window for memory and to the lexical budget for the lexical index', async () => {
    const bundle = await loadBundle(bundleUnderTest(), { executionProvider: 'cpu' });
    try {
      const max = bundle.manifest.query_max_tokens;
      const medium = 'why does the parser drop the last 🎉 token of a line '.repeat(8);
      const read = retrievalQuestion(bundle.tokenizer, medium, max);
      assert.equal(read.forLexical, medium, 'under the lexical budget the whole question is read');
      assert.equal(read.forMemory, cutQuestion(bundle.tokenizer, medium, max));
      assert.ok(bundle.tokenizer.count(read.forMemory) <= max);
      // A pasted megabyte: both are its beginning, the lexical one exactly the lexical budget long.
      const huge = 'Traceback (most recent call last): File "app.py", line 3, in main 🎉\n'.repeat(16_000);
      const cut = retrievalQuestion(bundle.tokenizer, huge, max);
      assert.ok(huge.startsWith(cut.forLexical) && cut.forLexical.startsWith(cut.forMemory));
      assert.ok(!cut.forLexical.includes('\uFFFD'));
      const n = bundle.tokenizer.count(cut.forLexical);
      assert.ok(n <= max * LEXICAL_QUESTION_WINDOWS && n >= max * LEXICAL_QUESTION_WINDOWS - 4, `${n} tokens`);
    } finally {
      await bundle.close();
    }
  });
});
