/**
 * The retrieval inspector webview in headless Chromium: index state fields, progress with pause/resume/reindex
 * buttons posting the right messages, retrieved memories with score bars (memory and lexical when both exist), cited
 * marks, stale and unavailable previews, open requests. Screenshots: test-results/inspector-{light,dark}.png.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { IndexState } from '../../extension/engine/engine-api';
import type { HostToInspector, InspectorHit } from '../../extension/shared/webview-protocol';
import { cspViolations, startHarness, type WebviewHarness } from './webview-page';

let harness: WebviewHarness;
before(async () => { harness = await startHarness(); });
after(async () => { await harness?.close(); });

const state: IndexState = {
  files: 1234, chunks: 5678, memoryTokens: 5678 * 16, bytesOnDisk: 3 * 1048576 + 524288, compressionRate: 16,
  model: { name: 'clara-code-tiny', version: '0.1.0', config: 'tiny', executionProvider: 'cpu' },
  lastUpdate: '2026-11-26T18:40:00.000Z',
  skipped: [{ path: 'assets/logo.png', reason: 'binary content' }, { path: '.env', reason: 'secret pattern (.env*)' }],
  progress: { phase: 'indexing', filesTotal: 40, filesDone: 10, chunksDone: 77, message: 'compressing src/app.py' },
};

const base = { language: 'python', chunkId: 'c', contentHash: 'h' };
const hits: InspectorHit[] = [
  { ...base, rank: 1, score: 0.0328, memoryScore: 0.78, lexicalScore: 0.41, path: 'src/config/loader.py', startLine: 12, endLine: 14,
    symbol: 'load_config', used: true,
    preview: { kind: 'lines', startLine: 12, lines: ['def load_config(path):', '    """Read <config> & merge."""', '    return merge(defaults, read(path))'], stale: false, truncated: false } },
  { ...base, rank: 2, score: 0.0164, memoryScore: 0.55, lexicalScore: 0.1, path: 'src/app.py', startLine: 5, endLine: 9, symbol: null, used: false,
    preview: { kind: 'lines', startLine: 5, lines: ['app = App()', 'app.run()'], stale: true, truncated: true } },
  { ...base, rank: 3, score: 0.0082, memoryScore: 0.31, path: 'gone.py', startLine: 1, endLine: 3, symbol: 'f', used: false,
    preview: { kind: 'unavailable', reason: '"gone.py" does not exist in the workspace' } },
];

async function fill(p: Awaited<ReturnType<WebviewHarness['open']>>): Promise<void> {
  await p.send({ type: 'indexState', state } satisfies HostToInspector);
  await p.send({ type: 'retrieval', question: 'Where is the configuration loaded?', hits } satisfies HostToInspector);
}

test('index state, progress and the pause/resume/reindex buttons', async () => {
  const p = await harness.open('inspector', 'light');
  assert.deepEqual(await p.posted(), [{ type: 'ready' }]);
  await p.send({ type: 'indexState', state });
  const field = (name: string) => p.page.innerText(`dd[data-field="${name}"]`);
  assert.equal(await field('files'), '1,234');
  assert.equal(await field('chunks'), '5,678');
  assert.equal(await field('memoryTokens'), '90,848');
  assert.equal(await field('bytesOnDisk'), '3.5 MiB');
  assert.equal(await field('compressionRate'), '16×');
  assert.equal(await field('model'), 'clara-code-tiny 0.1.0 (tiny)');
  assert.equal(await field('executionProvider'), 'cpu');
  assert.notEqual(await field('lastUpdate'), 'never');
  assert.equal(await p.page.innerText('.skipped summary'), 'Skipped files (2)');
  assert.match(await p.page.locator('.skipped li').first().textContent() ?? '', /assets\/logo\.png — binary content/);
  assert.equal(await p.page.textContent('.progress .phase'), 'indexing');
  assert.equal(await p.page.innerText('.progress .count'), '10 / 40 files · 77 chunks');
  assert.equal(await p.page.locator('.progress-bar .fill').evaluate((e) => (e as unknown as { style: { width: string } }).style.width), '25%');
  assert.equal(await p.page.innerText('.progress-message'), 'compressing src/app.py');

  assert.equal(await p.page.isEnabled('#pause'), true);
  assert.equal(await p.page.isDisabled('#resume'), true);
  await p.page.click('#pause');
  assert.deepEqual((await p.posted()).at(-1), { type: 'pause' });

  await p.send({ type: 'progress', progress: { ...state.progress, phase: 'paused' } });
  assert.equal(await p.page.textContent('.progress .phase'), 'paused');
  assert.equal(await p.page.isDisabled('#pause'), true);
  assert.equal(await p.page.isEnabled('#resume'), true);
  await p.page.click('#resume');
  assert.deepEqual((await p.posted()).at(-1), { type: 'resume' });

  await p.send({ type: 'progress', progress: { phase: 'done', filesTotal: 40, filesDone: 40, chunksDone: 300 } });
  assert.equal(await p.page.locator('.progress-bar .fill').evaluate((e) => (e as unknown as { style: { width: string } }).style.width), '100%');
  await p.page.click('#reindex');
  assert.deepEqual((await p.posted()).at(-1), { type: 'reindex' });

  await p.send({ type: 'indexState', state: null, note: 'This workspace is in Restricted Mode.' });
  assert.equal(await p.page.innerText('.index-state .banner'), 'This workspace is in Restricted Mode.');
  assert.equal(await p.page.isDisabled('#reindex'), true, 'no reindex while the engine may not run');
  assert.deepEqual(await cspViolations(p), []);
  assert.deepEqual(p.problems().errors, []);
  await p.page.close();
});

test('retrieved memories: ranks, score bars, cited and stale marks, previews from disk, open requests', async () => {
  const p = await harness.open('inspector', 'dark');
  await p.send({ type: 'retrieval', question: 'Where is the configuration loaded?', hits });
  assert.equal(await p.page.innerText('.retrieval .question'), 'Where is the configuration loaded?');
  const rows = p.page.locator('ol.hits > li.hit');
  assert.equal(await rows.count(), 3);
  assert.deepEqual(await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-rank'))), ['1', '2', '3']);
  assert.deepEqual(await rows.evaluateAll((els) => els.map((e) => e.classList.contains('used'))), [true, false, false]);
  assert.equal(await rows.nth(0).locator('.cited-mark').innerText(), 'cited');
  assert.equal(await rows.nth(1).locator('.cited-mark').count(), 0);

  const widths = (i: number) => rows.nth(i).locator('.score .fill').evaluateAll((els) => els.map((e) => (e as unknown as { style: { width: string } }).style.width));
  assert.deepEqual(await widths(0), ['100%', '78%', '41%'], 'fused (relative to the best fused score), memory and lexical bars');
  assert.deepEqual(await widths(1), ['50%', '55%', '10%']);
  assert.deepEqual(await rows.nth(0).locator('.score .label').allInnerTexts(), ['score', 'memory', 'lexical']);
  assert.deepEqual(await widths(2), ['25%'], 'one bar when the lexical index did not find it');
  assert.equal(await rows.nth(0).locator('.score.fused .value').innerText(), '0.033', 'the number stays the raw fused score');

  assert.deepEqual(await rows.locator('.open.path').allInnerTexts(), ['src/config/loader.py:12-14', 'src/app.py:5-9', 'gone.py:1-3']);
  assert.equal(await rows.nth(0).locator('.symbol').innerText(), 'load_config');
  assert.equal(await rows.nth(0).locator('.stale').count(), 0);
  assert.equal(await rows.nth(1).locator('.stale').count(), 1, 'the changed file is marked stale');
  assert.match(await rows.nth(1).getAttribute('class') ?? '', /is-stale/);
  await rows.nth(0).locator('.preview-block summary').click();
  assert.deepEqual(await rows.nth(0).locator('.preview .ln').allInnerTexts(), ['12', '13', '14']);
  assert.equal(await rows.nth(0).locator('.preview .line').nth(1).locator('.src').innerText(), '    """Read <config> & merge."""',
    'source text is shown as text');
  assert.match(await rows.nth(2).locator('.preview-unavailable').innerText(), /does not exist in the workspace/);

  await rows.nth(1).locator('.open.path').click();
  assert.deepEqual((await p.posted()).at(-1), { type: 'open', target: { path: 'src/app.py', startLine: 5, endLine: 9 } });
  assert.deepEqual(await p.state(), { question: 'Where is the configuration loaded?', hits });

  const count = (await p.posted()).length;
  await p.send({ type: 'retrieval', question: 'x', hits: [{ rank: 1 }] });
  await p.send({ type: 'indexState', state: { files: 'many' } });
  await p.send({ type: 'progress' });
  assert.equal(await rows.count(), 3, 'malformed messages change nothing');
  assert.equal(await p.page.innerText('.retrieval .question'), 'Where is the configuration loaded?');
  assert.equal((await p.posted()).length, count);

  // Why the answer was or was not generated: said under the question; a malformed decision is refused whole.
  assert.equal(await p.page.locator('.retrieval .decision').count(), 0, 'an ordinary answer needs no note');
  assert.doesNotMatch(await p.page.innerText('.retrieval'), /\bnull\b|\bundefined\b/, 'and no stray text takes its place');
  await p.send({ type: 'retrieval', question: 'q2', hits, decision: { abstained: true, foundByName: [] } });
  assert.match(await p.page.innerText('.retrieval .decision.abstained'), /Not answered: every memory scored under the model's threshold/);
  await p.send({ type: 'retrieval', question: 'q3', hits, decision: { abstained: false, foundByName: ['load_config'] } });
  assert.match(await p.page.innerText('.retrieval .decision.found-by-name'), /Answered under the memory threshold: the sources hold load_config\./);
  await p.send({ type: 'retrieval', question: 'q4', hits, decision: { abstained: 'yes', foundByName: [] } });
  assert.equal(await p.page.innerText('.retrieval .question'), 'q3', 'the malformed message changed nothing');

  await p.send({ type: 'retrieval', question: null, hits: [] }); // what the host sends after Clear Index
  assert.equal(await rows.count(), 0);
  assert.match(await p.page.innerText('.retrieval'), /Ask a question/);
  assert.deepEqual(await p.state(), { question: null, hits: [] });
  await p.page.close();
});

test('unbounded BM25 lexical and tiny fused scores get bars relative to the best one; negative cosines an empty bar', async () => {
  const p = await harness.open('inspector', 'light');
  await p.send({ type: 'retrieval', question: 'q', hits: [
    { ...hits[0], lexicalScore: 1.89, memoryScore: -0.045 },
    { ...hits[1], lexicalScore: 0.945 },
  ] });
  const bars = (i: number) => p.page.locator('li.hit').nth(i).locator('.score .fill')
    .evaluateAll((els) => els.map((e) => (e as unknown as { style: { width: string } }).style.width));
  assert.deepEqual(await bars(0), ['100%', '0%', '100%']);
  assert.deepEqual(await bars(1), ['50%', '55%', '50%']);
  assert.equal(await p.page.locator('li.hit').nth(0).locator('.score.lexical .value').innerText(), '1.890', 'the number stays the raw score');
  await p.page.close();
});

test('screenshots of the filled inspector in light and dark themes', async () => {
  for (const theme of ['light', 'dark'] as const) {
    const p = await harness.open('inspector', theme);
    await fill(p);
    await p.page.locator('ol.hits > li.hit').nth(0).locator('.preview-block summary').click();
    await p.page.locator('ol.hits > li.hit').nth(1).locator('.preview-block summary').click();
    await p.page.locator('.skipped summary').click();
    await p.screenshot(`inspector-${theme}`);
    assert.deepEqual(await cspViolations(p), []);
    assert.deepEqual(p.problems().errors, []);
    await p.page.close();
  }
});
