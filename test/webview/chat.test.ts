/**
 * The chat panel webview in headless Chromium, driven by the host messages it would receive: streamed markdown,
 * an answer that tries to inject HTML/script, citation chips and sources posting open requests, stop, copy,
 * availability, malformed messages, and history restored from state. Screenshots: test-results/chat-{light,dark}.png.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { isChatToHost, MAX_TEXT_LENGTH, type ChatSource, type HostToChat } from '../../extension/shared/webview-protocol';
import { cspViolations, startHarness, type WebviewHarness, type WebviewPage } from './webview-page';

let harness: WebviewHarness;
before(async () => { harness = await startHarness(); });
after(async () => { await harness?.close(); });

const sources: ChatSource[] = [
  { n: 1, path: 'src/config/loader.py', startLine: 12, endLine: 40, symbol: 'load_config', score: 0.8312 },
  { n: 2, path: 'src/app.py', startLine: 5, endLine: 9, symbol: null, score: 0.7021 },
];
const answerChunks = ['The configuration is read by `load_config` [1], ', 'which merges **defaults** with the file', ' and is called from the app entry point [2].\n\n',
  '```python\nconfig = load_config(path)\n```\n\nA marker with no source: [7].'];
const answer = answerChunks.join('');

function done(askId: number, text: string, extra: Partial<Extract<HostToChat, { type: 'answerDone' }>> = {}): HostToChat {
  return {
    type: 'answerDone', askId, answer: text, sources, abstained: false, totalMs: 2345, stopped: false,
    citations: sources.map((s) => ({ n: s.n, path: s.path, startLine: s.startLine, endLine: s.endLine, symbol: s.symbol, score: s.score })),
    ...extra,
  };
}

async function ask(p: WebviewPage, question: string): Promise<void> {
  await p.page.fill('textarea#question', question);
  await p.page.press('textarea#question', 'Enter');
}

async function playConversation(p: WebviewPage): Promise<void> {
  await p.send({ type: 'availability', canAsk: true });
  await ask(p, 'Where is the configuration loaded?');
  await p.send({ type: 'answerStart', askId: 7, question: 'Where is the configuration loaded?' });
  for (const text of answerChunks) await p.send({ type: 'answerToken', askId: 7, text });
  await p.send(done(7, answer));
}

test('a streamed answer renders markdown, chips, sources; chips and sources post open requests; copy and stop post', async () => {
  const p = await harness.open('chat', 'light');
  assert.deepEqual(await p.posted(), [{ type: 'ready' }]);
  await p.send({ type: 'availability', canAsk: true });
  await ask(p, 'Where is the configuration loaded?');
  assert.deepEqual((await p.posted())[1], { type: 'ask', question: 'Where is the configuration loaded?' });
  assert.equal(await p.page.inputValue('textarea#question'), '', 'the box is cleared after asking');

  await p.send({ type: 'answerStart', askId: 7, question: 'Where is the configuration loaded?' });
  await p.send({ type: 'answerToken', askId: 7, text: answerChunks[0] });
  await p.send({ type: 'answerToken', askId: 7, text: answerChunks[1] });
  const turn = p.page.locator('section.turn').last();
  assert.match(await turn.getAttribute('class') ?? '', /streaming/);
  assert.equal(await turn.locator('.answer code').first().innerText(), 'load_config');
  assert.equal(await turn.locator('.answer strong').innerText(), 'defaults', 'markdown is rendered while streaming');
  assert.equal(await p.page.isVisible('#stop'), true, 'stop is offered while streaming');
  assert.equal(await p.page.isDisabled('#ask'), true);
  await p.page.click('#stop');
  assert.deepEqual((await p.posted()).at(-1), { type: 'stop' });

  for (const text of answerChunks.slice(2)) await p.send({ type: 'answerToken', askId: 7, text });
  await p.send({ type: 'answerToken', askId: 99, text: 'tokens of another question are not shown' });
  await p.send(done(7, answer));
  assert.match(await turn.getAttribute('class') ?? '', /\bdone\b/);
  assert.equal(await p.page.isVisible('#stop'), false);
  assert.doesNotMatch(await turn.innerText(), /another question/);
  assert.equal((await turn.locator('.answer pre code').innerText()).trim(), 'config = load_config(path)');
  assert.deepEqual(await turn.locator('.answer .chip').evaluateAll((els) => els.map((e) => [e.textContent, e.classList.contains('dangling')])),
    [['1', false], ['2', false], ['7', true]], 'chips for [1] [2]; [7] has no source and is marked dangling');
  assert.deepEqual(await turn.locator('.sources .score').allInnerTexts(), ['0.831', '0.702']);
  assert.deepEqual(await turn.locator('.sources .path').allInnerTexts(), ['src/config/loader.py:12-40', 'src/app.py:5-9']);
  assert.deepEqual(await turn.locator('.sources .symbol').allInnerTexts(), ['load_config']);

  await turn.locator('.answer .chip[data-n="2"]').click();
  assert.deepEqual((await p.posted()).at(-1), { type: 'open', target: { path: 'src/app.py', startLine: 5, endLine: 9 } });
  const before = (await p.posted()).length;
  await turn.locator('.answer .chip[data-n="7"]').click();
  assert.equal((await p.posted()).length, before, 'a dangling chip posts nothing');
  await turn.locator('.sources button.source[data-n="1"]').click();
  assert.deepEqual((await p.posted()).at(-1), { type: 'open', target: { path: 'src/config/loader.py', startLine: 12, endLine: 40 } });
  await turn.locator('button.copy').click();
  assert.deepEqual((await p.posted()).at(-1), { type: 'copy', text: answer });
  await p.page.click('.show-inspector');
  assert.deepEqual((await p.posted()).at(-1), { type: 'showInspector' });

  const saved = await p.state() as { turns: Array<{ answer: string; status: string; sources: unknown[] }> };
  assert.equal(saved.turns.length, 1);
  assert.equal(saved.turns[0].answer, answer);
  assert.equal(saved.turns[0].status, 'done');
  assert.deepEqual(await cspViolations(p), []);
  assert.deepEqual(p.problems().errors, []);
  await p.page.close();
});

test('answer text never injects HTML or script: tags show as text, unsafe links lose their href', async () => {
  const p = await harness.open('chat', 'dark');
  await p.send({ type: 'availability', canAsk: true });
  const evil = 'Look: <script>window.__pwned = 1</script> and <img src=x onerror="window.__pwned = 2"> '
    + '[click](javascript:window.__pwned=3) [docs](https://example.com/a) <b onclick="x()">bold?</b>';
  await p.send({ type: 'answerStart', askId: 1, question: 'xss?' });
  await p.send({ type: 'answerToken', askId: 1, text: evil });
  await p.send(done(1, evil));
  const a = p.page.locator('section.turn .answer');
  const text = await a.innerText();
  assert.match(text, /<script>window.__pwned = 1<\/script>/, 'the script tag is visible as text');
  assert.match(text, /<img src=x onerror=/);
  assert.equal(await a.locator('script, img, b, [onerror], [onclick]').count(), 0, 'no element came from the answer');
  assert.equal(await a.locator('a[href^="javascript"]').count(), 0);
  assert.equal(await a.locator('a').evaluateAll((els) => els.map((e) => e.getAttribute('href')).join()), 'https://example.com/a');
  assert.equal(await p.page.evaluate('window.__pwned'), undefined, 'nothing ran');
  await p.page.close();
});

test('availability, errors, stopped answers and malformed messages', async () => {
  const p = await harness.open('chat', 'light');
  await p.send({ type: 'availability', canAsk: false, reason: 'This workspace is in Restricted Mode.' });
  assert.equal(await p.page.isVisible('.banner'), true);
  assert.equal(await p.page.innerText('.banner'), 'This workspace is in Restricted Mode.');
  assert.equal(await p.page.isDisabled('textarea#question'), true);
  await p.send({ type: 'availability', canAsk: true });
  assert.equal(await p.page.isVisible('.banner'), false);

  await p.send({ type: 'answerStart', askId: 3, question: 'q1' });
  await p.send({ type: 'answerError', askId: 3, message: 'CLaRa engine did not answer in time' });
  assert.match(await p.page.locator('section.turn').last().getAttribute('class') ?? '', /\berror\b/);
  assert.match(await p.page.locator('section.turn .meta .error').innerText(), /did not answer in time/);

  await p.send({ type: 'answerStart', askId: 4, question: 'q2' });
  await p.send({ type: 'answerToken', askId: 4, text: 'partial' });
  await p.send(done(4, 'partial', { stopped: true, sources: [] }));
  assert.match(await p.page.locator('section.turn').last().getAttribute('class') ?? '', /\bstopped\b/);

  // Answered under the memory threshold because a source holds a name the question gives: the turn says so.
  await p.send({ type: 'answerStart', askId: 5, question: 'What does `load_config` return?' });
  await p.send(done(5, 'It returns the merged config [1].', { foundByName: ['load_config'] }));
  assert.equal(await p.page.locator('section.turn').last().locator('.meta .found-by-name').innerText(), ' found by name: load_config');
  assert.equal(await p.page.locator('section.turn').nth(-2).locator('.meta .found-by-name').count(), 0);

  await p.send({ type: 'answerError', askId: -1, message: 'CLaRa could not open its engine: no bundle', question: 'q3' });
  const failed = p.page.locator('section.turn').last();
  assert.equal(await failed.locator('.question').innerText(), 'q3', 'a question that failed before starting keeps its text');
  assert.match(await failed.locator('.meta .error').innerText(), /could not open its engine/);

  const turns = await p.page.locator('section.turn').count();
  for (const bad of [null, 'answerStart', { type: 'answerStart' }, { type: 'answerToken', askId: '4', text: 1 },
    { type: 'answerDone', askId: 4 }, done(4, 'x', { foundByName: [1] as unknown as string[] }), { type: 'nonsense' },
    { type: 'prefill' }]) await p.send(bad);
  assert.equal(await p.page.locator('section.turn').count(), turns, 'malformed messages change nothing');
  assert.deepEqual(p.problems().errors.filter((e) => !/ignored a malformed message/.test(e)), []);

  // A paste longer than a message may carry is cut to its beginning and sent, with a note; not refused and lost.
  await p.send({ type: 'answerStart', askId: 6, question: 'x' });
  await p.send(done(6, 'ok'));
  const paste = `Traceback (most recent call last): 🎉 ${'File "app.py", line 3, in main\n'.repeat(1_000)}`;
  assert.ok(paste.length > MAX_TEXT_LENGTH);
  await ask(p, paste);
  const sent = (await p.posted()).at(-1) as { type: string; question: string };
  assert.equal(sent.type, 'ask');
  assert.equal(sent.question.length, MAX_TEXT_LENGTH);
  assert.ok(paste.startsWith(sent.question));
  assert.ok(isChatToHost(sent), 'the host accepts what was sent');
  assert.match(await p.page.innerText('.notice'), /its first 20,000 were sent/);
  await p.send({ type: 'answerStart', askId: 8, question: sent.question });
  await p.send(done(8, 'ok'));
  await ask(p, 'a short one');
  assert.equal(await p.page.isVisible('.notice'), false, 'the note goes with the next question');

  await p.send({ type: 'prefill', question: 'asked from the palette' });
  assert.deepEqual((await p.posted()).at(-1), { type: 'ask', question: 'asked from the palette' });
  await p.page.close();
});

test('history survives a reload through getState/setState; screenshots in light and dark', async () => {
  const first = await harness.open('chat', 'light');
  await playConversation(first);
  const saved = await first.state();
  await first.screenshot('chat-light');
  await first.page.close();

  const p = await harness.open('chat', 'dark', saved);
  const turn = p.page.locator('section.turn');
  assert.equal(await turn.count(), 1);
  assert.equal(await turn.locator('.question').innerText(), 'Where is the configuration loaded?');
  assert.equal(await turn.locator('.sources .path').count(), 2);
  await turn.locator('.answer .chip[data-n="1"]').click();
  assert.deepEqual((await p.posted()).at(-1), { type: 'open', target: { path: 'src/config/loader.py', startLine: 12, endLine: 40 } });
  await p.screenshot('chat-dark');

  // The host replays the current answer on 'ready' (a hidden panel lost its DOM): no duplicate turn appears.
  await p.send({ type: 'answerStart', askId: 7, question: 'Where is the configuration loaded?' });
  await p.send({ type: 'answerToken', askId: 7, text: answer });
  assert.equal(await turn.count(), 1);
  assert.match(await turn.getAttribute('class') ?? '', /streaming/);
  await p.send(done(7, answer));
  assert.equal(await turn.count(), 1);
  assert.equal(await turn.locator('.sources .path').count(), 2);
  await p.page.click('.clear-history');
  assert.equal(await p.page.locator('section.turn').count(), 0);
  assert.deepEqual(await p.state(), { turns: [], draft: '' });
  await p.page.close();
});
