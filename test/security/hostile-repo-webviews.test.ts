/**
 * A hostile repository through the real engine into the real webviews (headless Chromium, the shell's harness in
 * test/webview/webview-page.ts): code containing <script>, inline event handlers and markdown/javascript: links, and a
 * file whose *name* is an HTML payload. The engine indexes it; its search hits, source previews read from disk, answer
 * and citations are sent to the inspector and chat exactly as the host would. Nothing may run or become an element,
 * and every open request the webviews post must resolve inside the workspace. Extends test/webview/* (which feed
 * hand-written payloads) with what a real repository produces.
 */
import assert from 'node:assert/strict';
import { symlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type ClaraEngine, openEngineWithBundle } from '../../extension/engine/clara-engine';
import type { AnswerResult } from '../../extension/engine/engine-api';
import type { ModelBundle } from '../../extension/engine/engine-parts';
import { loadBundle } from '../../extension/engine/model/load-bundle';
import type { ChatSource, InspectorHit } from '../../extension/shared/webview-protocol';
import { readPreview } from '../../extension/source-preview';
import { resolveInsideWorkspace } from '../../extension/workspace-paths';
import { bundleUnderTest } from '../bundle/bundle-under-test';
import { FixtureRepo, tempDir } from '../fixtures/fixture-repo';
import { startHarness, type WebviewHarness } from '../webview/webview-page';

const PAYLOAD_NAME = 'docs/<img src=x onerror="window.__pwned=\'name\'">.md';
const HOSTILE = {
  'web/widget.js': [
    '// Renders the <script>window.__pwned = "code"</script> banner.',
    'function renderBanner(el) {',
    '  el.innerHTML = \'<img src=x onerror="window.__pwned=\\\'img\\\'"><b onclick="steal()">hi</b>\';',
    '  return "[click me](javascript:window.__pwned=\'link\')";',
    '}',
    '',
  ].join('\n'),
  'README.md': '# Banner\n\n<script>window.__pwned = "readme"</script>\n\n[docs](javascript:alert(1)) <iframe src="https://evil.example"></iframe>\n',
  [PAYLOAD_NAME]: '# renderBanner notes\n\nThe banner <svg onload="window.__pwned=\'svg\'"> is drawn by renderBanner.\n',
};

let bundle: ModelBundle;
let engine: ClaraEngine;
let repo: FixtureRepo;
let harness: WebviewHarness;
let outside: { dir: string; dispose: () => void };
let store: { dir: string; dispose: () => void };
const QUESTION = 'how does renderBanner draw the <script> banner?';

before(async () => {
  bundle = await loadBundle(bundleUnderTest(), { executionProvider: 'cpu' });
  repo = new FixtureRepo(HOSTILE, 'clara-hostile-');
  outside = tempDir('clara-outside-');
  writeFileSync(path.join(outside.dir, 'private.py'), 'def private_render_banner():\n    return "outside the workspace"\n');
  symlinkSync(outside.dir, repo.abs('linked_out'));
  store = tempDir();
  engine = await openEngineWithBundle({ root: repo.root, storeDir: store.dir, lexicalFusion: true }, bundle);
  await engine.index();
  harness = await startHarness();
});
after(async () => {
  await harness?.close();
  await engine?.close();
  await bundle?.close();
  repo?.dispose();
  outside?.dispose();
  store?.dispose();
});

describe('a hostile repository in the webviews', () => {
  it('nothing outside the workspace is indexed or cited (a symlink pointing out)', async () => {
    const paths = (await engine.store.allChunks()).map((c) => c.path);
    assert.ok(paths.includes(PAYLOAD_NAME), 'the file with an HTML payload for a name is indexed under that name');
    assert.ok(paths.every((p) => !p.startsWith('linked_out/')), 'nothing behind the outward symlink is indexed');
    for (const hit of await engine.search('private_render_banner outside the workspace', 20)) {
      assert.ok((await resolveInsideWorkspace([repo.root], hit.path)).ok, `${hit.path} does not resolve inside the workspace`);
    }
  });

  it('the inspector shows real hits and previews from disk as text; nothing runs; open requests stay inside', async () => {
    const hits = await engine.search(QUESTION, 5);
    assert.ok(hits.length > 0);
    const inspectorHits: InspectorHit[] = await Promise.all(hits.map(async (h, i) => ({
      ...h, used: i === 0, preview: await readPreview([repo.root], h.path, h.startLine, h.endLine, h.contentHash),
    })));
    assert.ok(inspectorHits.some((h) => h.preview.kind === 'lines' && h.preview.lines.join('\n').includes('<script>') || h.path === PAYLOAD_NAME),
      'the hostile content reaches the page (otherwise this test would prove nothing)');
    const p = await harness.open('inspector', 'dark');
    await p.send({ type: 'retrieval', question: QUESTION, hits: inspectorHits });
    const list = p.page.locator('ol.hits');
    assert.equal(await list.locator('script, img, iframe, svg[onload], [onerror], [onclick], [onload]').count(), 0, 'no element came from the repository');
    assert.equal(await list.locator('a[href^="javascript"]').count(), 0);
    const text = await list.innerText();
    assert.ok(text.includes('<script>') || text.includes('<img src=x'), 'the payloads are visible as text');
    await p.page.locator('ol.hits > li.hit').first().click();
    assert.equal(await p.page.evaluate('window.__pwned'), undefined, 'nothing ran');
    assert.deepEqual(p.problems().errors, []);
    for (const m of (await p.posted()).filter((m) => m.type === 'open')) {
      const target = m.target as { path: string };
      assert.ok((await resolveInsideWorkspace([repo.root], target.path)).ok, `open request outside the workspace: ${target.path}`);
    }
    await p.page.close();
  });

  it('the chat renders the real answer and hostile citations as text; nothing runs', async () => {
    const result: AnswerResult = await engine.ask(QUESTION, { topK: 5 });
    const given = result.retrieved.slice(0, bundle.manifest.generator.max_blocks);
    const sources: ChatSource[] = given.map((h, i) => ({ n: i + 1, path: h.path, startLine: h.startLine, endLine: h.endLine, symbol: h.symbol, score: h.score }));
    // The model's own answer, followed by repository text quoted back (what an answer about this code may contain).
    const answer = `${result.answer}\n\n${HOSTILE['web/widget.js']}\n${HOSTILE['README.md']}`;
    const p = await harness.open('chat', 'light');
    await p.send({ type: 'availability', canAsk: true });
    await p.send({ type: 'answerStart', askId: 1, question: QUESTION });
    for (let i = 0; i < answer.length; i += 37) await p.send({ type: 'answerToken', askId: 1, text: answer.slice(i, i + 37) });
    await p.send({ type: 'answerDone', askId: 1, answer, citations: result.citations, sources, abstained: result.abstained, totalMs: result.timings.totalMs, stopped: false });
    const turn = p.page.locator('section.turn');
    assert.equal(await turn.locator('.answer script, .answer img, .answer iframe, .answer svg, [onerror], [onclick], [onload]').count(), 0);
    assert.equal(await turn.locator('a[href^="javascript"]').count(), 0);
    assert.match(await turn.locator('.answer').innerText(), /<script>window.__pwned = "readme"<\/script>/);
    assert.equal(await p.page.evaluate('window.__pwned'), undefined, 'nothing ran');
    assert.deepEqual(p.problems().errors, []);
    await p.page.close();
  });
});
