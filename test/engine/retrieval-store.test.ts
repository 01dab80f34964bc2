/**
 * Retrieval and answering over the real LanceDB store (indexed through the engine facade from a fixture the test
 * writes): fusion with the store's BM25, memory scores against the stored (fp16) memories, citations at real lines.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { answerQuestion } from '../../extension/engine/answer/answer-question';
import { openEngineWithBundle, type ClaraEngine } from '../../extension/engine/clara-engine';
import type { ModelBundle } from '../../extension/engine/engine-parts';
import { loadBundle } from '../../extension/engine/model/load-bundle';
import { flatCosine } from '../../extension/engine/retrieval/cosine';
import { retrieve } from '../../extension/engine/retrieval/retrieve';
import { bundleUnderTest } from '../bundle/bundle-under-test';

const FILES: Record<string, string> = {
  'src/stack.py': 'class Stack:\n    """A last-in first-out stack."""\n\n    def __init__(self):\n        self.items = []\n\n    def push(self, item):\n        self.items.append(item)\n\n    def pop(self):\n        return self.items.pop()\n',
  'src/slug.ts': "export function slugify(title: string): string {\n  return title.toLowerCase().replace(/[^a-z0-9]+/g, '-');\n}\n",
  'src/weekday.py': 'import datetime\n\ndef is_weekend(day: datetime.date) -> bool:\n    """True on Saturday and Sunday."""\n    return day.weekday() >= 5\n',
  'src/config.js': "function loadConfig(path) {\n  return JSON.parse(require('fs').readFileSync(path, 'utf8'));\n}\nmodule.exports = { loadConfig };\n",
};

describe('retrieval and answering on the LanceDB store', () => {
  let root: string;
  let bundle: ModelBundle;
  let engine: ClaraEngine;

  before(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'clara-retrieval-store-'));
    for (const [rel, text] of Object.entries(FILES)) {
      mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
      writeFileSync(path.join(root, rel), text);
    }
    bundle = await loadBundle(bundleUnderTest(), { executionProvider: 'cpu' });
    engine = await openEngineWithBundle({ root, storeDir: path.join(root, '.clara'), lexicalFusion: true }, bundle);
    await engine.index();
  });
  after(async () => {
    await engine?.close();
    await bundle?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('fuses the store BM25 ranking: an exact identifier comes first, both scores are kept', async () => {
    const hits = await retrieve(bundle, engine.store, 'slugify', { topK: 3, lexicalFusion: true });
    assert.equal(hits[0].path, 'src/slug.ts');
    assert.ok((hits[0].lexicalScore ?? 0) > 0, 'the identifier matched lexically');
    const [q] = await bundle.query.encode(['slugify']);
    const stored = await engine.store.memories(hits.map((h) => h.chunkId));
    hits.forEach((h, i) => {
      assert.equal(typeof h.lexicalScore, 'number');
      // The store keeps memories in fp16, so the score matches the exact cosine of the stored memory closely.
      assert.ok(Math.abs(h.memoryScore - flatCosine(q, stored[i])) < 2e-3, `${h.memoryScore} vs ${flatCosine(q, stored[i])}`);
    });
  });

  it('without fusion ranks by the store cosine alone', async () => {
    const hits = await retrieve(bundle, engine.store, 'a stack of items', { topK: 4, lexicalFusion: false });
    assert.equal(hits.length, 4);
    for (let i = 1; i < hits.length; i++) assert.ok(hits[i - 1].memoryScore >= hits[i].memoryScore);
    for (const h of hits) { assert.equal(h.score, h.memoryScore); assert.ok(h.score >= -1 && h.score <= 1); }
  });

  it('answers with citations at real lines of the indexed files', async () => {
    const result = await answerQuestion(bundle, engine.store, 'How does the stack push an item?', { topK: 3, lexicalFusion: true });
    assert.ok(result.citations.length > 0);
    for (const c of result.citations) {
      const lines = readFileSync(path.join(root, c.path), 'utf8').split('\n').length;
      assert.ok(c.startLine >= 1 && c.startLine <= c.endLine && c.endLine <= lines, `${c.path}:${c.startLine}-${c.endLine}`);
    }
    const best = Math.max(...result.retrieved.map((h) => h.memoryScore));
    assert.equal(result.abstained, best < bundle.manifest.retrieval.abstain_below);
  });
});
