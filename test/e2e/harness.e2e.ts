/**
 * Proves the harness itself on a stock code-server (no CLaRa extension): server start and stop by process group,
 * workbench load, a built-in palette command, quick open, the status bar, logs and a screenshot. When the journey
 * fails and this passes, the product is at fault, not the tooling.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CodeServer } from './harness/code-server';
import { ServerLogs } from './harness/logs';
import { ensureDir, newRunDir, resultsDir } from './harness/paths';
import { StepLog, waitUntil } from './harness/step';
import { Workbench } from './harness/workbench';
import { fixtureText, firstQuestion, writeFixture } from './fixture/workspace';

describe('e2e harness on stock code-server', () => {
  const steps = new StepLog();
  const runDir = newRunDir('harness');
  const out = path.join(resultsDir, 'harness');
  rmSync(out, { recursive: true, force: true });
  ensureDir(out);
  const workspace = writeFixture(ensureDir(path.join(runDir, 'workspace')));
  let server: CodeServer | undefined;
  let wb: Workbench | undefined;

  before(async () => {
    steps.onFailure = async (name) => {
      await wb?.screenshot(path.join(out, `FAILED-${name.replace(/\W+/g, '-')}.png`));
    };
    server = new CodeServer({ runDir });
    await steps.step('start code-server', 45_000, () => server!.start(workspace));
    wb = await steps.step('load the workbench', 90_000, () => Workbench.open(server!.url, workspace));
  });

  after(async () => {
    await wb?.close();
    await server?.stop();
    if (server) new ServerLogs(server.userDataDir).copyTo(path.join(out, 'logs'));
    steps.write(out, 'timings.json');
  });

  it('opens a file by quick open and moves the cursor with a palette command', async () => {
    const rel = firstQuestion.expectedPath;
    await steps.step('quick open a fixture file', 20_000, () => wb!.openFile(rel));
    await steps.step('run "Go to Line/Column..." from the palette', 20_000, async () => {
      await wb!.runCommand('Go to Line/Column...').catch(async () => {
        throw new Error('palette command not found');
      });
    });
    // runCommand waits for the palette to close; Go to Line opens its own quick input.
    await steps.step('type a line number', 10_000, async () => {
      const input = wb!.page.locator('.quick-input-widget input');
      await input.waitFor({ state: 'visible', timeout: 5_000 });
      await input.fill(':5');
      await wb!.page.keyboard.press('Enter');
    });
    const status = await steps.step('read the cursor position from the status bar', 10_000, async () => {
      const loc = wb!.page.locator('[id="status.editor.selection"]');
      await loc.filter({ hasText: 'Ln 5,' }).waitFor({ timeout: 8_000 });
      return wb!.editorSelectionStatus();
    });
    assert.match(status, /^Ln 5, Col 1/);
    const line5 = fixtureText(rel).split('\n')[4];
    assert.ok(line5.includes('quantize_invoice_total'), 'fixture line 5 holds the identifier the journey asks about');
    await steps.step('screenshot', 10_000, () => wb!.screenshot(path.join(out, 'workbench.png')));
  });

  it('reads the extension host log and stops the server by its own process group', async () => {
    const logs = new ServerLogs(server!.userDataDir);
    const exthost = await steps.step('find the extension host log', 20_000, () =>
      waitUntil('remoteexthost.log to mention the extension host', 18_000, () => {
        const text = logs.extensionHostLog();
        return text.includes('Extension host') ? text : false;
      }));
    assert.match(exthost, /Extension host/);
    const pid = server!.pid!;
    await steps.step('stop code-server', 20_000, async () => {
      await wb!.close();
      await server!.stop();
    });
    assert.throws(() => process.kill(-pid, 0), 'no process of the server group is left');
  });
});
