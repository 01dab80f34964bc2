/**
 * The e2e harness's pure parts, run with the ordinary unit tests (`npm test`): the parsers and checks that decide
 * whether a real-VS-Code run passes must themselves be right, and these need no browser or server.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { paletteTitle, parsePathLines, type Manifest } from './harness/clara-ui';
import { contrastRatio } from './harness/contrast';
import { uncaughtErrors } from './harness/logs';
import { StepLog, StopWaiting, waitUntil } from './harness/step';

describe('e2e harness parts', () => {
  it('parses the path:lines labels of the chat and inspector', () => {
    assert.deepEqual(parsePathLines('src/a.py:5-8'), { path: 'src/a.py', startLine: 5, endLine: 8 });
    assert.deepEqual(parsePathLines(' lib/T.java:16 '), { path: 'lib/T.java', startLine: 16, endLine: 16 });
    assert.deepEqual(parsePathLines('C:/x:y.ts:3-4'), { path: 'C:/x:y.ts', startLine: 3, endLine: 4 });
    assert.throws(() => parsePathLines('src/a.py'), /not a path:lines label/);
  });

  it('builds palette titles from the manifest and names a missing command', () => {
    const m: Manifest = {
      publisher: 'p', name: 'n', version: '1.0.0',
      contributes: { commands: [{ command: 'x.ask', title: 'Ask', category: 'X' }, { command: 'x.plain', title: 'Plain' }] },
    };
    assert.equal(paletteTitle('x.ask', m), 'X: Ask');
    assert.equal(paletteTitle('x.plain', m), 'Plain');
    assert.throws(() => paletteTitle('x.gone', m), /contributes no command "x.gone"/);
  });

  it('computes WCAG contrast ratios', () => {
    assert.equal(contrastRatio('rgb(0, 0, 0)', 'rgb(255, 255, 255)').toFixed(2), '21.00');
    assert.equal(contrastRatio('rgb(119, 119, 119)', 'rgb(255, 255, 255)').toFixed(2), '4.48');
    assert.equal(contrastRatio('rgba(10, 20, 30, 1)', 'rgba(10, 20, 30, 1)'), 1);
    assert.throws(() => contrastRatio('red', 'rgb(0,0,0)'), /unparsed colour/);
  });

  it('finds uncaught errors of one extension in the extension host log, with their stacks', () => {
    const log = [
      "2026-11-26 19:00:00.000 [info] ExtensionService#_doActivateExtension pub.ext, startup: false",
      '2026-11-26 19:00:01.000 [error] TypeError: boom',
      '    at f (/x/extensions/pub.ext-0.1.0/dist/extension.js:1:2)',
      '2026-11-26 19:00:02.000 [error] getaddrinfo ENOTFOUND open-vsx.org',
      '2026-11-26 19:00:03.000 [info] fine',
    ].join('\n');
    const errors = uncaughtErrors(log, 'pub.ext');
    assert.equal(errors.length, 1);
    assert.match(errors[0], /TypeError: boom\n {4}at f .*pub\.ext-0\.1\.0/);
    assert.deepEqual(uncaughtErrors(log, 'other.ext'), []);
  });

  it('names the step that failed and stops waiting at once on StopWaiting', async () => {
    const steps = new StepLog();
    await assert.rejects(steps.step('slow thing', 50, () => new Promise((r) => setTimeout(r, 1_000))),
      /e2e step "slow thing" failed after 0\.\d s: timed out after 0 s/);
    let probes = 0;
    await assert.rejects(
      waitUntil('never', 5_000, () => { probes++; throw new StopWaiting('engine reported an error'); }, 10),
      /engine reported an error/,
    );
    assert.equal(probes, 1, 'StopWaiting ends the wait at the first probe');
    let ordinary = 0;
    await assert.rejects(waitUntil('flaky', 100, () => { ordinary++; throw new Error('not yet'); }, 10), /last error: not yet/);
    assert.ok(ordinary > 1, 'an ordinary error is retried until the bound');
    await assert.rejects(waitUntil('a false probe', 100, () => false, 20), /waited 0 s for a false probe/);
    assert.deepEqual(steps.timings.map((t) => [t.step, t.ok]), [['slow thing', false]]);
  });
});
