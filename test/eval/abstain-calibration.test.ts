/**
 * Abstention calibration: the threshold rule on made-up scores, and the whole measurement on a small training-run
 * folder made here, through the real indexer, store and shipped bundle.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { calibrateAbstention, chooseAbstainThreshold, chooseWithNamedCode } from '../../extension/engine/eval/abstain-calibration';
import type { RunChunk, RunSample } from '../../extension/engine/eval/training-run-files';
import { bundleUnderTest } from '../bundle/bundle-under-test';

const scratch = mkdtempSync(path.join(tmpdir(), 'clara-abstain-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

describe('abstention threshold', () => {
  it('is the highest threshold that refuses at most the allowed share of answerable questions', () => {
    const answerable = Array.from({ length: 20 }, (_, i) => 0.5 + i * 0.02); // 0.50 .. 0.88
    const unanswerable = [0.40, 0.45, 0.49, 0.51, 0.60, 0.70];
    const r = chooseAbstainThreshold(answerable, unanswerable, 0.05);
    assert.equal(r.threshold, 0.52); // one of 20 (5 %) is under it
    assert.equal(r.answerableAbstained, 0.05);
    assert.equal(r.unanswerableAbstained, 4 / 6);
    assert.ok(Math.abs(r.balancedAccuracy - (0.95 + 4 / 6) / 2) < 1e-12);
    assert.equal(chooseAbstainThreshold(answerable, unanswerable, 0).threshold, 0.5, 'no refusals allowed: the lowest answerable score');
  });

  it('reports the balanced-accuracy optimum beside the chosen threshold', () => {
    const r = chooseAbstainThreshold([0.8, 0.9, 0.95, 0.99], [0.1, 0.2, 0.85], 0);
    assert.equal(r.threshold, 0.8);
    assert.equal(r.balancedAccuracy, (1 + 2 / 3) / 2);
    // at 0.9 one answerable question is refused but every unanswerable one too: (0.75 + 1) / 2
    assert.equal(r.bestBalanced.threshold, 0.9);
    assert.equal(r.bestBalanced.balancedAccuracy, 0.875);
    assert.equal(r.bestBalanced.answerableAbstained, 0.25);
  });

  it('sets the threshold on the questions whose named code was not found, and counts the found ones as answered', () => {
    const scored = (scores: number[], found: boolean) => scores.map((score) => ({ score, found }));
    // The found answerable questions score low; were they counted, the 5 % quantile would be 0.1.
    const answerable = [...scored(Array.from({ length: 20 }, (_, i) => 0.5 + i * 0.02), false), ...scored([0.1, 0.1, 0.1, 0.1], true)];
    const unanswerable = [...scored([0.40, 0.45, 0.60], false), ...scored([0.2], true)];
    const r = chooseWithNamedCode(answerable, unanswerable, 0.05);
    assert.equal(r.threshold, 0.52);
    assert.equal(r.answerableAbstained, 1 / 24);
    assert.equal(r.unanswerableAbstained, 2 / 4);
    assert.deepEqual(r.namedFound, { answerable: 4 / 24, unanswerable: 1 / 4 });
    // Every answerable question found by name: the threshold falls back to all answerable scores.
    assert.equal(chooseWithNamedCode(scored([0.3, 0.4], true), [], 0).threshold, 0.3);
  });

  it('refuses to calibrate without answerable questions', () => {
    assert.throws(() => chooseAbstainThreshold([], [0.3], 0.05), /no answerable/);
  });
});

const NAMES = ['parse_header', 'render_template', 'retry_request', 'open_socket', 'hash_password', 'merge_config'];
const CHUNKS: RunChunk[] = NAMES.map((name, i) => ({
  id: i, repo: 'lib/pkg', path: `pkg/mod_${i}.py`, start_line: 1, end_line: 3,
  code: `def ${name}(value):\n    """Handle ${name.replace('_', ' ')}."""\n    return value`,
}));
const SAMPLES: RunSample[] = NAMES.map((name, i) => ({ question: `What does ${name} return?`, kind: 'simple', chunks: [i] }));

describe('abstention calibration through the product', () => {
  it('leaves every other held-out file out, and measures answerable and unanswerable questions', async () => {
    const runDir = mkdtempSync(path.join(scratch, 'run-'));
    writeFileSync(path.join(runDir, 'chunks.jsonl'), CHUNKS.map((c) => JSON.stringify(c)).join('\n') + '\n');
    writeFileSync(path.join(runDir, 'heldout_samples.jsonl'), SAMPLES.map((s) => JSON.stringify(s)).join('\n') + '\n');
    const workDir = path.join(scratch, 'work');
    const r = await calibrateAbstention({ bundleDir: bundleUnderTest(), runDir, workDir, log: () => undefined });
    assert.equal(r.filesAbsent, 3);
    assert.equal(r.filesIndexed, 3);
    assert.equal(r.answerable, 3);
    assert.equal(r.unanswerable, 3);
    assert.ok(!existsSync(path.join(workDir, 'workspace', 'pkg/mod_1.py')), 'the second held-out file is left out');
    assert.ok(existsSync(path.join(workDir, 'workspace', 'pkg/mod_0.py')));
    assert.ok(r.threshold >= -1 && r.threshold <= 1, String(r.threshold));
    assert.equal(r.answerableAbstained, 0, 'with 3 answerable questions, 5 % allows no refusal');
    // Each question names its function: found in the answerable ones' files, in no indexed file for the others.
    assert.deepEqual(r.namedFound, { answerable: 1, unanswerable: 0 });
    assert.ok(r.balancedAccuracy >= 0.5 && r.balancedAccuracy <= 1);
  });
});
