/**
 * Fusion calibration on a small training-run folder made here (chunks.jsonl + heldout_samples.jsonl in the training
 * pipeline's format), through the real indexer, store and shipped bundle.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import {
  calibrateFusion, chooseWeight, MEMORY_WEIGHT_GRID,
} from '../../extension/engine/eval/fusion-calibration';
import { chooseFromGrids, FUSION_GRID_WEIGHTS } from '../../extension/engine/eval/fusion-grid';
import { materialiseRunFiles, runFilePaths, type RunChunk, type RunSample } from '../../extension/engine/eval/training-run-files';
import { bundleUnderTest } from '../bundle/bundle-under-test';

const scratch = mkdtempSync(path.join(tmpdir(), 'clara-calibrate-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const NAMES = ['parse_header', 'render_template', 'retry_request', 'open_socket', 'hash_password', 'merge_config'];
const CHUNKS: RunChunk[] = NAMES.flatMap((name, i) => [
  { id: 2 * i, repo: 'lib/pkg', path: `pkg/mod_${i}.py`, start_line: 1, end_line: 3,
    code: `def ${name}(value):\n    """Handle ${name.replace('_', ' ')}."""\n    return value` },
  { id: 2 * i + 1, repo: 'lib/pkg', path: `pkg/mod_${i}.py`, start_line: 6, end_line: 7,
    code: `${name.toUpperCase()}_LIMIT = ${i + 10}\n${name.toUpperCase()}_NAME = "${name}"` },
]);
const SAMPLES: RunSample[] = NAMES.map((name, i) => ({ question: `What does ${name} return?`, kind: 'simple', chunks: [2 * i] }));

function runDir(): string {
  const dir = mkdtempSync(path.join(scratch, 'run-'));
  writeFileSync(path.join(dir, 'chunks.jsonl'), CHUNKS.map((c) => JSON.stringify(c)).join('\n') + '\n');
  writeFileSync(path.join(dir, 'heldout_samples.jsonl'), SAMPLES.map((s) => JSON.stringify(s)).join('\n') + '\n');
  return dir;
}

describe('fusion calibration', () => {
  it('rebuilds files with every chunk at its original lines', () => {
    const root = path.join(scratch, 'files');
    assert.equal(materialiseRunFiles(CHUNKS, root), NAMES.length);
    const lines = readFileSync(path.join(root, 'pkg/mod_2.py'), 'utf8').split('\n');
    assert.equal(lines[0], 'def retry_request(value):');
    assert.equal(lines[3], '');
    assert.equal(lines[5], 'RETRY_REQUEST_LIMIT = 12');
  });

  it('keeps the path the compressor was trained on; only a path two sources share gets its source in front', () => {
    const other: RunChunk = { id: 99, repo: 'npm:other/x', path: 'pkg/mod_0.py', start_line: 1, end_line: 1, code: 'x = 1' };
    const fileOf = runFilePaths([...CHUNKS, other]);
    assert.equal(fileOf(CHUNKS[2]), 'pkg/mod_1.py');
    assert.equal(fileOf(CHUNKS[0]), 'lib/pkg/mod_0.py');
    assert.equal(fileOf(other), 'npm:other/pkg/mod_0.py');
  });

  it('prefers the best MRR, and among equals the weight nearest 1', () => {
    const s = (memoryWeight: number, mrr: number) => ({ memoryWeight, mrr, recallAt5: 0 });
    assert.equal(chooseWeight([s(0, 0.5), s(0.5, 0.7), s(1, 0.6)]), 0.5);
    assert.equal(chooseWeight([s(0, 0.7), s(0.5, 0.7), s(3, 0.7)]), 0.5);
    assert.equal(chooseWeight([s(0, 0.7), s(Infinity, 0.7)]), 0);
  });

  it('chooses from eval runs\' per-question grids by the mean MRR over the questions', () => {
    const grid = (best: number) => FUSION_GRID_WEIGHTS.map((w) => ({ memoryWeight: w, mrr: w === best ? 1 : 0.5, 'recall@5': w === best ? 1 : 0 }));
    const choice = chooseFromGrids([grid(0.3), grid(0.3), grid(2)]);
    assert.equal(choice.questions, 3);
    assert.equal(choice.memoryWeight, 0.3);
    const at = (w: number) => choice.scores.find((s) => s.memoryWeight === w)!;
    assert.ok(Math.abs(at(0.3).mrr - (1 + 1 + 0.5) / 3) < 1e-12 && Math.abs(at(0.3).recallAt5 - 2 / 3) < 1e-12);
    assert.throws(() => chooseFromGrids([]), /no question has a fusion grid/);
    assert.throws(() => chooseFromGrids([grid(1).slice(1)]), /has no memory weight 0/);
  });

  it('scores every weight of the grid on the run\'s held-out questions through the real index', async () => {
    const logged: string[] = [];
    const result = await calibrateFusion({ bundleDir: bundleUnderTest(), runDir: runDir(), workDir: path.join(scratch, 'work'), log: (m) => logged.push(m) });
    assert.equal(result.questions, SAMPLES.length);
    // A pass runs for up to an hour on a real run: it says how far it is.
    assert.ok(logged.includes(`indexed files ${NAMES.length}/${NAMES.length}`), logged.join('\n'));
    assert.ok(logged.some((m) => /^indexed in \d+ s: \d+ distinct chunks compressed, \d+ reused from the store$/.test(m)), logged.join('\n'));
    assert.ok(logged.includes(`ranked questions ${SAMPLES.length}/${SAMPLES.length}`), logged.join('\n'));
    assert.equal(result.files, NAMES.length);
    assert.ok(result.chunksIndexed >= NAMES.length, `${result.chunksIndexed} chunks`);
    assert.deepEqual(result.scores.map((s) => s.memoryWeight), MEMORY_WEIGHT_GRID);
    // Each question names its function: the lexical index ranks the defining chunk first.
    assert.equal(result.lexicalAlone.mrr, 1);
    assert.equal(result.scores[0].mrr, 1, 'memory weight 0 orders by the lexical list');
    for (const s of result.scores) assert.ok(s.mrr >= 0 && s.mrr <= 1 && s.recallAt5 >= 0 && s.recallAt5 <= 1);
    const chosen = chooseWeight(result.scores);
    assert.deepEqual(result.weights, Number.isFinite(chosen) ? { memory_weight: chosen, lexical_weight: 1 } : { memory_weight: 1, lexical_weight: 0 });
  });
});
