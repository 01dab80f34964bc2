/**
 * The user journey in a real VS Code (code-server 1.100.3 + headless Chromium): build and install the VSIX, index a
 * fixture repository in the background, ask from the palette, follow a citation, read the inspector, edit a file
 * and find the edit, reindex with progress, pause and resume, check the logs, take the screenshots (light and
 * dark). Each `it` is one spec step; after a failure the later ones are skipped naming the step that broke.
 * A second suite opens the fixture with workspace trust on (Restricted Mode) once.
 */
import assert from 'node:assert/strict';
import { copyFileSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ChatPanel, citationsOf, extensionId, Inspector, paletteTitle, readManifest, type ChatSourceRow, type ChatTurn } from './harness/clara-ui';
import { CodeServer } from './harness/code-server';
import { sampleContrast, type ContrastSample } from './harness/contrast';
import { ServerLogs, uncaughtErrors } from './harness/logs';
import { ensureDir, newRunDir, readmeScreenshot, resultsDir } from './harness/paths';
import { serialSteps } from './harness/serial';
import { StepLog, StopWaiting, waitUntil } from './harness/step';
import { buildVsix, snapshotVsix } from './harness/vsix';
import { Workbench } from './harness/workbench';
import { appendedCode, editedFile, editQuestion, firstQuestion, pausedEdit, writeFixture } from './fixture/workspace';

const manifest = readManifest();
const extId = extensionId(manifest);
const out = ensureDir(resultsDir);
// Start from an empty results folder (the harness suite keeps its own subfolder), so CI never keeps a stale picture.
for (const name of readdirSync(out)) if (name !== 'harness') rmSync(path.join(out, name), { recursive: true, force: true });
const steps = new StepLog();
/** The tiny model runs on 2 shared CPU cores: indexing and answering get generous bounds, measured in timings.json. */
const INDEX_TIMEOUT = 240_000;
const ANSWER_TIMEOUT = 180_000;

/** The workbench a failing step screenshots (the journey's, then the untrusted one's). */
let current: Workbench | undefined;
steps.onFailure = async (name) => {
  await current?.screenshot(path.join(out, `FAILED-${name.replace(/\W+/g, '-').slice(0, 80)}.png`));
};

let vsixPromise: Promise<string> | undefined;
function vsix(): Promise<string> {
  // CLARA_E2E_VSIX: reuse an already built VSIX while iterating on the suite (CI always builds).
  if (process.env.CLARA_E2E_VSIX) vsixPromise ??= Promise.resolve(snapshotVsix(path.resolve(process.env.CLARA_E2E_VSIX)));
  vsixPromise ??= steps.step('build the VSIX (npm run package)', 300_000, () => buildVsix((s) => console.log(`[e2e] ${s}`)));
  return vsixPromise;
}

const serial = serialSteps();

/** How a citation came about, for the log: people reading a run should not mistake an abstention for an answer. */
function citationKind(turn: ChatTurn, c: ChatSourceRow): string {
  if (turn.abstained) return 'the engine abstained and listed the nearest memories';
  return turn.markers.includes(c.n) ? 'a marker the generator wrote' : 'no marker written, so every given memory is a citation';
}

function linesOf(file: string, start: number, end: number): string {
  return readFileSync(file, 'utf8').split('\n').slice(start - 1, end).join('\n');
}

function overlaps(a: { startLine: number; endLine: number }, b: [number, number]): boolean {
  return a.startLine <= b[1] && b[0] <= a.endLine;
}

describe('CLaRa journey in code-server', () => {
  const runDir = newRunDir('journey');
  const workspace = writeFixture(ensureDir(path.join(runDir, 'workspace')));
  let server: CodeServer;
  let wb: Workbench;
  let chat: ChatPanel;
  let inspector: Inspector;
  let cited: ChatSourceRow | undefined;
  let first: ChatTurn | undefined;
  const contrast: ContrastSample[] = [];
  /** What the answers were, for people reading the run: text, markers, sources, and whether the engine abstained. */
  const answers: Record<string, unknown>[] = [];

  /** Opens `rel` through Quick Open, types `code` at its end through the editor, saves with Ctrl+S. */
  async function typeAtEnd(rel: string, code: string): Promise<void> {
    await wb.openFile(rel);
    await wb.page.keyboard.press('Control+End');
    await wb.page.keyboard.insertText(code);
    await wb.page.keyboard.press('Control+S');
    const firstLine = code.trim().split('\n')[0];
    await waitUntil(`the edit of ${rel} saved to disk`, 10_000, () =>
      readFileSync(path.join(workspace, rel), 'utf8').includes(firstLine));
  }

  /** Reads a finished turn and records it in answers.json. Dangling markers fail: the engine must drop them. */
  async function readAnswer(index: number, question: string): Promise<ChatTurn> {
    const t = await chat.readTurn(index);
    answers.push({ question, ...t });
    console.log(`[e2e] answer ${index + 1}: ${JSON.stringify(t.answer.slice(0, 200))} (abstained ${t.abstained}, markers ${JSON.stringify(t.markers)})`);
    console.log(`[e2e] sources: ${t.sources.map((x) => `[${x.n}] ${x.path}:${x.startLine}-${x.endLine}`).join(', ')}`);
    assert.ok(t.answer.length > 0, 'the answer text is not empty');
    assert.ok(t.sources.length > 0, 'the answer lists its sources');
    assert.equal(t.dangling, 0, 'no [n] marker in the answer points at a memory the generator was not given');
    return t;
  }

  before(async () => {
    const file = await vsix();
    // CLARA_BUNDLE_DIR (as for the model tests): run the journey on another bundle through clara.modelPath;
    // unset, the extension loads the bundle it ships (models/default.json), which is what CI checks.
    const bundle = process.env.CLARA_BUNDLE_DIR ? { 'clara.modelPath': path.resolve(process.env.CLARA_BUNDLE_DIR) } : {};
    server = new CodeServer({ runDir, settings: { 'clara.lexicalFusion': true, ...bundle } });
    await steps.step('install the VSIX into a throwaway extensions folder', 120_000, async () => {
      console.log(`[e2e] ${server.installExtension(file).split('\n').pop()}`);
    });
    await steps.step('start code-server on 127.0.0.1', 45_000, () => server.start(workspace));
    wb = await steps.step('load the workbench with the fixture folder', 90_000, () => Workbench.open(server.url, workspace));
    current = wb;
    chat = new ChatPanel(wb, extId);
    inspector = new Inspector(wb, extId);
  });

  after(async () => {
    await wb?.close();
    await server?.stop();
    if (server) new ServerLogs(server.userDataDir).copyTo(path.join(out, 'logs'));
    // The unpacked extension is the bulk of a run folder (~200 MiB) and nothing reads it after the run.
    if (server) rmSync(server.extensionsDir, { recursive: true, force: true });
    if (wb) {
      writeFileSync(path.join(out, 'page-console.log'), wb.console.map((l) => `[${l.type}] ${l.text}`).join('\n') + '\n');
    }
    writeFileSync(path.join(out, 'contrast.json'), JSON.stringify(contrast, null, 2) + '\n');
    writeFileSync(path.join(out, 'answers.json'), JSON.stringify(answers, null, 2) + '\n');
    steps.write(out, 'timings.json');
  });

  serial('2. indexes the workspace in the background (status bar, inspector files and chunks > 0)', async () => {
    await steps.step('status bar shows the CLaRa item', 60_000, () =>
      waitUntil('a status bar item reading "CLaRa"', 55_000, async () =>
        (await wb.statusBarTexts()).some((t) => t.includes('CLaRa'))));
    await steps.step('open the inspector from the palette', 30_000, async () => {
      await wb.runCommand(paletteTitle('clara.showInspector', manifest));
      await inspector.frame.locator('.index-state').waitFor({ timeout: 25_000 });
    });
    const counts = await steps.step('background index completes', INDEX_TIMEOUT, () =>
      waitUntil('the inspector to show phase "done" with files and chunks > 0', INDEX_TIMEOUT - 5_000, async () => {
        // A note (engine failed, Restricted Mode, no folder) means indexing will not happen: fail now with its text.
        const note = inspector.frame.locator('.index-state .banner');
        if (await note.isVisible()) throw new StopWaiting(`the inspector reports: ${await note.innerText()}`);
        const phase = await inspector.phaseText().catch(() => '');
        if (phase === 'error') {
          throw new StopWaiting(`indexing failed: ${await inspector.frame.locator('.progress-message').innerText()}`);
        }
        if (phase !== 'done') return false;
        const files = await inspector.count('files');
        const chunks = await inspector.count('chunks');
        return files > 0 && chunks > 0 ? { files, chunks } : false;
      }, 500));
    console.log(`[e2e] indexed ${counts.files} files, ${counts.chunks} chunks`);
    assert.equal(server.extensionStoreDirs(extId).length, 1, 'the index lives in the extension\'s workspace storage');
    // The status bar item shows the idle/done icon (database) once indexing is over, a spinning sync icon during it.
    await steps.step('status bar shows the index as done', 20_000, () =>
      wb.page.locator('.statusbar-item', { hasText: 'CLaRa' }).locator('.codicon-database').first().waitFor({ timeout: 18_000 }));
  });

  serial('3. asks from the command palette and gets an answer (streamed when generated) citing the expected file', async () => {
    await steps.step('run "Ask About Codebase" from the palette', 30_000, async () => {
      await wb.runCommand(paletteTitle('clara.ask', manifest));
      await chat.input.waitFor({ state: 'visible', timeout: 25_000 });
    });
    await steps.step('type the question into the chat panel', 20_000, async () => {
      await waitUntil('the question box to be enabled', 15_000, () => chat.input.isEnabled());
      await chat.input.fill(firstQuestion.question);
      await chat.recordStreaming();
      await chat.input.press('Enter');
      await chat.frame.locator('section.turn').first().waitFor({ timeout: 15_000 });
    });
    const status = await steps.step('wait for the answer', ANSWER_TIMEOUT, () => chat.waitAnswered(0, ANSWER_TIMEOUT - 2_000));
    if (status === 'error') {
      assert.fail(`the answer failed: ${await chat.frame.locator('section.turn').nth(0).locator('.meta .error').innerText()}`);
    }
    first = await readAnswer(0, firstQuestion.question);
    // A generated answer streams (the turn shows "answering…" with text growing); an abstention is written whole.
    const streamed = await chat.recordedStreaming();
    console.log(`[e2e] answer lengths seen while streaming: ${JSON.stringify(streamed)}`);
    answers[answers.length - 1].streamedLengths = streamed;
    if (!first.abstained) assert.ok(streamed.length > 0, 'the generated answer was shown streaming before it finished');
    // The answer's citations: the memories the generator cited with [n]; when it wrote no valid marker, every memory
    // it was given (the engine's contract, answer-question.ts; the tiny model often writes none, see docs/E2E.md).
    const citations = citationsOf(first);
    cited = citations.find((x) => x.path === firstQuestion.expectedPath);
    assert.ok(cited, `the answer cites ${firstQuestion.expectedPath}; its citations: ${JSON.stringify(citations)}`);
    console.log(`[e2e] expected file cited as [${cited.n}] (${citationKind(first, cited)})`);
    await wb.screenshot(path.join(out, 'chat-answer.png'));
  });

  serial('4. clicking the citation opens the file with the cited lines selected', async () => {
    const c = cited!;
    await steps.step('click the citation', 20_000, async () => {
      const turn = chat.frame.locator('section.turn').nth(0);
      const chip = first!.markers.includes(c.n)
        ? turn.locator(`.answer .chip[data-n="${c.n}"]`)
        : turn.locator(`.sources button.source[data-n="${c.n}"]`);
      await chip.first().click();
      await wb.activeTab(path.basename(c.path)).waitFor({ timeout: 15_000 });
    });
    const file = path.join(workspace, c.path);
    const selected = linesOf(file, c.startLine, c.endLine);
    const lastLine = selected.split('\n').pop()!;
    const expected = `Ln ${c.endLine}, Col ${lastLine.length + 1}${selected.length ? ` (${selected.length} selected)` : ''}`;
    const status = await steps.step('read the selection from the status bar', 15_000, () =>
      waitUntil(`the selection status "${expected}"`, 12_000, async () => {
        const s = await wb.editorSelectionStatus();
        return s === expected ? s : false;
      }).catch(async (err: Error) => {
        throw new Error(`${err.message}; the status bar shows "${await wb.editorSelectionStatus()}"`);
      }));
    assert.equal(status, expected);
  });

  serial('5. the inspector lists the retrieved memories with scores and marks those the generator used', async () => {
    await steps.step('show the inspector', 20_000, async () => {
      await wb.runCommand(paletteTitle('clara.showInspector', manifest));
      await inspector.frame.locator('ol.hits > li.hit').first().waitFor({ timeout: 15_000 });
    });
    assert.equal(await inspector.question(), firstQuestion.question, 'the inspector shows the last question');
    const hits = await inspector.hits();
    console.log(`[e2e] inspector hits: ${JSON.stringify(hits)}`);
    assert.ok(hits.length > 0, 'at least one memory retrieved');
    for (const h of hits) assert.ok(Number.isFinite(h.score), `hit #${h.rank} shows a numeric score`);
    assert.deepEqual(hits.map((h) => h.rank), hits.map((_, i) => i + 1), 'ranks are 1..k in order');
    // "Used" marks the answer's citations: the memories the generator cited with [n], or, when it wrote no valid
    // marker, every memory it was given (the engine's contract in answer-question.ts: every answer shows its sources).
    const key = (x: { path: string; startLine: number; endLine: number }) => `${x.path}:${x.startLine}-${x.endLine}`;
    const citations = citationsOf(first!);
    assert.deepEqual(hits.filter((h) => h.used).map(key).sort(), citations.map(key).sort(),
      'the inspector marks as used exactly the answer\'s citations');
    if (hits.length > citations.length) {
      assert.ok(hits.some((h) => !h.used), 'memories retrieved but not given to the generator are not marked used');
    }
    assert.ok(hits.some((h) => key(h) === key(cited!)), `the inspector lists the cited memory ${key(cited!)}`);
    await wb.screenshot(path.join(out, 'inspector.png'));
    // The cited file took the chat panel's editor group; "Ask" reveals the panel beside it, answer restored.
    await steps.step('reveal the chat panel beside the cited file', 20_000, async () => {
      await wb.runCommand(paletteTitle('clara.ask', manifest));
      await chat.frame.locator('section.turn .answer').first().waitFor({ timeout: 15_000 });
    });
    // Chat answer and inspector in one frame: the README's picture, refreshed from this verified state, but only by
    // a run of what ships (the VSIX built here, its own bundle), never by a run on an override.
    await wb.screenshot(path.join(out, 'chat-inspector.png'));
    if (!process.env.CLARA_BUNDLE_DIR && !process.env.CLARA_E2E_VSIX) {
      ensureDir(path.dirname(readmeScreenshot));
      copyFileSync(path.join(out, 'chat-inspector.png'), readmeScreenshot);
    }
    // No file has changed since indexing yet, so no preview may call itself stale.
    assert.deepEqual(hits.filter((h) => h.stale).map((h) => `${h.path}:${h.startLine}-${h.endLine}`), [],
      'memories of unchanged files are not marked stale');
    contrast.push(await sampleContrast('light: chat answer text', chat.frame.locator('section.turn .answer')));
    contrast.push(await sampleContrast('light: inspector hit path', inspector.frame.locator('li.hit .open.path')));
  });

  serial('6. an edit saved in the editor is indexed and found by the next question', async () => {
    const before = await inspector.field('lastUpdate').innerText();
    await steps.step(`open ${editedFile} and type new code at its end`, 30_000, () => typeAtEnd(editedFile, appendedCode));
    const onDisk = readFileSync(path.join(workspace, editedFile), 'utf8').split('\n');
    const identLine = onDisk.findIndex((l) => l.includes('function circuitBreakerQuotaGuard')) + 1;
    const newLines: [number, number] = [identLine - 1, identLine + 2];
    await steps.step('the inspector\'s last update changes', INDEX_TIMEOUT, () =>
      waitUntil(`"Last update" to change from "${before}" and indexing to finish`, INDEX_TIMEOUT - 5_000, async () => {
        const now = await inspector.field('lastUpdate').innerText();
        const phase = await inspector.phaseText().catch(() => 'done');
        return now !== before && phase !== 'indexing' && phase !== 'scanning';
      }, 500));
    await steps.step('ask about the new code', 20_000, async () => {
      await wb.runCommand(paletteTitle('clara.ask', manifest));
      await waitUntil('the question box to be enabled', 15_000, () => chat.input.isEnabled());
      await chat.input.fill(editQuestion.question);
      await chat.input.press('Enter');
      await chat.frame.locator('section.turn').nth(1).waitFor({ timeout: 15_000 });
    });
    const status = await steps.step('wait for the second answer', ANSWER_TIMEOUT, () => chat.waitAnswered(1, ANSWER_TIMEOUT - 2_000));
    if (status === 'error') {
      assert.fail(`the answer failed: ${await chat.frame.locator('section.turn').nth(1).locator('.meta .error').innerText()}`);
    }
    const second = await readAnswer(1, editQuestion.question);
    const hit = citationsOf(second).find((x) => x.path === editedFile && overlaps(x, newLines));
    assert.ok(hit, `the answer cites the new lines ${editedFile}:${newLines.join('-')}; its citations: ${JSON.stringify(citationsOf(second))}`);
    console.log(`[e2e] new code cited as [${hit.n}] (${citationKind(second, hit)})`);
  });

  serial('7. "Reindex Workspace" shows progress and completes; Pause and Resume work once', async () => {
    await steps.step('show the inspector and record its phases', 20_000, async () => {
      await wb.runCommand(paletteTitle('clara.showInspector', manifest));
      await inspector.frame.locator('.index-state').waitFor({ timeout: 15_000 });
      await inspector.recordPhases();
    });
    await steps.step('run "Reindex Workspace"', 20_000, () => wb.runCommand(paletteTitle('clara.reindexWorkspace', manifest)));
    const phases = await steps.step('reindex progress appears and completes', INDEX_TIMEOUT, () =>
      waitUntil('the inspector to show scanning/indexing and then done', INDEX_TIMEOUT - 5_000, async () => {
        const seen = await inspector.recordedPhases();
        const active = seen.findIndex((p) => p === 'scanning' || p === 'indexing');
        return active >= 0 && seen.slice(active).includes('done') && seen[seen.length - 1] === 'done' ? seen : false;
      }, 500));
    console.log(`[e2e] reindex phases: ${phases.join(' → ')}`);
    // Pausing an idle engine holds the next indexing run at its first batch; an edit made while paused must show
    // "paused" and stay out of the index until Resume. (A reindex of an unchanged workspace compresses nothing,
    // so it has no batch to pause at.)
    const beforePause = await inspector.field('lastUpdate').innerText();
    await steps.step('run "Pause Indexing"', 20_000, () => wb.runCommand(paletteTitle('clara.pauseIndexing', manifest)));
    await inspector.recordPhases();
    await steps.step(`edit ${pausedEdit.file} while paused`, 30_000, () => typeAtEnd(pausedEdit.file, pausedEdit.code));
    await steps.step('indexing of the edit waits in "paused"', 60_000, () =>
      waitUntil('the inspector to show "paused"', 55_000, async () => (await inspector.recordedPhases()).includes('paused'), 300));
    // The typing hold (clara.pauseWhileTyping) also shows "paused" but lets go 1.5 s after the last keystroke; 4 s
    // later only Pause can still be holding the edit back.
    await new Promise((r) => setTimeout(r, 4_000));
    assert.equal(await inspector.phaseText(), 'paused', 'still paused 4 s after typing stopped');
    const holdMessage = (await inspector.frame.locator('.progress-message').textContent())?.trim();
    assert.equal(holdMessage, 'paused', 'the hold is the Pause command, not the typing hold');
    assert.equal(await inspector.field('lastUpdate').innerText(), beforePause, 'nothing was committed while paused');
    await steps.step('run "Resume Indexing"; the held edit is indexed', INDEX_TIMEOUT, async () => {
      await wb.runCommand(paletteTitle('clara.resumeIndexing', manifest));
      await waitUntil('"paused" followed by "done" and a new "Last update"', INDEX_TIMEOUT - 5_000, async () => {
        const seen = await inspector.recordedPhases();
        const afterPause = seen.slice(seen.lastIndexOf('paused') + 1);
        return afterPause.includes('done') && (await inspector.field('lastUpdate').innerText()) !== beforePause;
      }, 300);
    });
    console.log(`[e2e] pause/resume phases: ${(await inspector.recordedPhases()).join(' → ')}`);
  });

  serial('9. dark theme: screenshots of the chat panel and inspector with readable contrast', async () => {
    await steps.step('switch to the Dark Modern theme', 30_000, async () => {
      await wb.runCommand('Preferences: Color Theme');
      const input = wb.page.locator('.quick-input-widget input');
      await input.fill('Dark Modern');
      await wb.page.locator('.quick-input-list .monaco-list-row', { hasText: 'Dark Modern' }).first().waitFor({ timeout: 10_000 });
      await wb.page.keyboard.press('Enter');
      await wb.page.locator('.monaco-workbench.vs-dark').waitFor({ timeout: 15_000 });
    });
    await steps.step('show chat and inspector side by side', 30_000, async () => {
      await wb.runCommand(paletteTitle('clara.ask', manifest));
      await chat.frame.locator('section.turn').first().waitFor({ timeout: 15_000 });
      // The journey left a file open per edit; keep only the chat panel's group for a readable picture.
      await wb.runCommand('View: Close Editors in Other Groups');
      await wb.runCommand(paletteTitle('clara.showInspector', manifest));
      await inspector.frame.locator('ol.hits > li.hit').first().waitFor({ timeout: 15_000 });
    });
    await wb.screenshot(path.join(out, 'chat-inspector-dark.png'));
    contrast.push(await sampleContrast('dark: chat answer text', chat.frame.locator('section.turn .answer')));
    contrast.push(await sampleContrast('dark: inspector hit path', inspector.frame.locator('li.hit .open.path')));
    for (const c of contrast) {
      console.log(`[e2e] contrast ${c.what}: ${c.ratio.toFixed(2)} (${c.color} on ${c.background})`);
      assert.ok(c.ratio >= 4.5, `${c.what} has WCAG contrast ${c.ratio.toFixed(2)} < 4.5 (${c.color} on ${c.background})`);
    }
  });

  serial('8. the extension host log and the CLaRa output channel hold no uncaught error', async () => {
    const logs = new ServerLogs(server.userDataDir);
    const exthost = logs.extensionHostLog();
    assert.match(exthost, new RegExp(`_doActivateExtension ${extId.replace('.', '\\.')}\\b`), 'the extension host log records our activation');
    const errors = uncaughtErrors(exthost, extId);
    assert.deepEqual(errors, [], `uncaught errors from ${extId} in remoteexthost.log`);
    const channels = logs.outputChannel('CLaRa', extId);
    assert.ok(channels.length > 0, `an output channel file for CLaRa exists under ${logs.logsDir}`);
    const text = channels.map((c) => c.text).join('\n');
    assert.match(text, /activated/, 'the CLaRa output channel logged its activation');
    const bad = text.split('\n').filter((l) => /\[error\]|uncaught|unhandled/i.test(l));
    assert.deepEqual(bad, [], 'error lines in the CLaRa output channel');
    const pageErrors = wb.console.filter((l) => l.type === 'error' && /Uncaught|Refused to|Content Security Policy/i.test(l.text));
    assert.deepEqual(pageErrors, [], 'uncaught errors or CSP refusals in the page console (webviews included)');
    assert.deepEqual(await wb.notifications().then((n) => n.filter((m) => /CLaRa/.test(m) && /fail|error/i.test(m))), [],
      'no CLaRa error notification is showing');
  });
});

describe('CLaRa in an untrusted workspace (workspace trust on)', () => {
  const runDir = newRunDir('untrusted');
  const workspace = writeFixture(ensureDir(path.join(runDir, 'workspace')));
  const trust = manifest.capabilities?.untrustedWorkspaces;
  let server: CodeServer | undefined;
  let wb: Workbench | undefined;

  after(async () => {
    await wb?.close();
    await server?.stop();
    if (server) new ServerLogs(server.userDataDir).copyTo(path.join(out, 'logs-untrusted'));
    if (server) rmSync(server.extensionsDir, { recursive: true, force: true });
    steps.write(out, 'timings.json');
  });

  it('declares capabilities.untrustedWorkspaces and behaves as declared in Restricted Mode', async () => {
    assert.ok(trust, 'package.json declares capabilities.untrustedWorkspaces');
    const file = await vsix();
    server = new CodeServer({ runDir, workspaceTrust: true });
    await steps.step('untrusted: install the VSIX', 120_000, async () => {
      server!.installExtension(file);
    });
    await steps.step('untrusted: start code-server with workspace trust on', 45_000, () => server!.start(workspace));
    wb = await steps.step('untrusted: load the workbench', 90_000, () => Workbench.open(server!.url, workspace));
    current = wb;
    await steps.step('untrusted: answer the trust prompt with "No"', 30_000, async () => {
      const no = wb!.page.locator('.monaco-dialog-box .monaco-button', { hasText: /No, I don.t trust/ });
      await no.waitFor({ timeout: 25_000 });
      await no.click();
      await wb!.page.locator('.monaco-dialog-box').waitFor({ state: 'hidden', timeout: 10_000 });
    });
    if (trust!.supported === false) {
      // Not supported: VS Code keeps the extension disabled, so its commands are not in the palette.
      await assert.rejects(wb.runCommand(paletteTitle('clara.ask', manifest), 5_000), /not in the command palette/);
      return;
    }
    // 'limited' (or true): the extension runs, refuses to index or answer, and says why.
    await steps.step('untrusted: the chat panel explains Restricted Mode', 60_000, async () => {
      const chat = new ChatPanel(wb!, extId);
      await wb!.runCommand(paletteTitle('clara.ask', manifest), 30_000);
      await chat.banner.filter({ hasText: /Restricted Mode/ }).waitFor({ timeout: 25_000 });
      assert.equal(await chat.input.isEnabled(), false, 'the question box is disabled in Restricted Mode');
    });
    await steps.step('untrusted: the inspector shows no index', 30_000, async () => {
      const inspector = new Inspector(wb!, extId);
      await wb!.runCommand(paletteTitle('clara.showInspector', manifest));
      await inspector.frame.locator('.index-state .banner', { hasText: /Restricted Mode/ }).waitFor({ timeout: 25_000 });
      assert.equal(await inspector.field('files').count(), 0, 'no index state is shown in Restricted Mode');
      assert.deepEqual(server!.extensionStoreDirs(extId), [], 'no index was written in Restricted Mode');
    });
    await wb.screenshot(path.join(out, 'untrusted.png'));
  });
});
