/**
 * Calibrates a bundle through the product on its training run's held-out questions and (with --write) records the
 * results in the bundle's manifest.json: first the fusion weights (`retrieval.fusion`, measurements in
 * `retrieval.fusion_calibration`), then, ranking with them, the abstention threshold (`retrieval.abstain_below`,
 * measurements in `retrieval.abstain_calibration`). Without --write the abstention is measured with the manifest's
 * current fusion weights. --skip-fusion measures only the abstention threshold, ranking with the manifest's fusion
 * weights as they are: each pass indexes the whole run, so on a slow bundle this halves the time when the weights were
 * already calibrated.
 *
 *   npm run calibrate -- --bundle models/clara-code-tiny --run-dir models/training/runs/tiny [--limit 800] [--skip-fusion] [--write]
 *
 * --fusion-from-eval RESULTS instead takes the fusion weights from the real questions of a `clara eval --fusion-grid`
 * run of this bundle on questions outside the evaluation sets (its results.json, e.g. on the development kit:
 * docs/EVALUATION.md), by the same rule (best mean MRR, here file-level), and measures nothing else; abstention is then
 * re-measured with --skip-fusion and --run-dir.
 *
 *   npm run calibrate -- --bundle models/clara-code-tiny --fusion-from-eval DEVKIT_RUN/results.json [--write]
 *
 * The manifest is not covered by the bundle's sha256 list and the model version does not change, so existing
 * indexes stay valid; only the order of fused results and when answering abstains follow the new values.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { calibrateAbstention } from '../extension/engine/eval/abstain-calibration';
import { calibrateFusion, type FusionCalibration } from '../extension/engine/eval/fusion-calibration';
import { chooseFromGrids } from '../extension/engine/eval/fusion-grid';
import type { EvalRun } from '../extension/engine/eval/run-eval';
import type { EvalSetName } from '../extension/engine/eval/eval-sets';

/** The sets the model card reports (../shared/eval): nothing is calibrated on them. */
const EVALUATION_SETS: EvalSetName[] = ['sweqa', 'swebench_lite_loc', 'cosqa'];

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const bundleDir = flag('bundle');
  const runDir = flag('run-dir');
  const fromEval = flag('fusion-from-eval');
  if (bundleDir && fromEval) {
    fusionFromEval(bundleDir, fromEval, process.argv.includes('--write'));
    return;
  }
  if (!bundleDir || !runDir) {
    throw new Error('usage: --bundle <bundle folder> (--run-dir <training run folder> [--limit N] [--skip-fusion] | ' +
      '--fusion-from-eval <results.json of clara eval --fusion-grid>) [--write]');
  }
  const limit = flag('limit') ? Number(flag('limit')) : undefined;
  const write = process.argv.includes('--write');
  if (process.argv.includes('--skip-fusion')) {
    const fusion = JSON.parse(readFileSync(path.join(bundleDir, 'manifest.json'), 'utf8')).retrieval?.fusion;
    console.log(`fusion pass skipped; ranking with the manifest's fusion weights ${JSON.stringify(fusion ?? 'none (equal weights)')}`);
    await abstention(bundleDir, runDir, limit, write);
    return;
  }
  const started = Date.now();
  const result = await calibrateFusion({
    bundleDir, runDir, limit, workDir: path.join(tmpdir(), `clara-calibrate-${process.pid}`),
    log: (m) => console.error(`[calibrate] ${m}`),
  });
  console.log(`held-out questions ${result.questions}, chunks indexed ${result.chunksIndexed}, files ${result.files}`);
  console.log('| memory weight (lexical 1) | MRR | Recall@5 |\n|---:|---:|---:|');
  for (const s of result.scores) {
    console.log(`| ${Number.isFinite(s.memoryWeight) ? s.memoryWeight : 'memory alone'} | ${s.mrr.toFixed(4)} | ${s.recallAt5.toFixed(4)} |`);
  }
  console.log(`| lexical alone | ${result.lexicalAlone.mrr.toFixed(4)} | ${result.lexicalAlone.recallAt5.toFixed(4)} |`);
  console.log(`chosen: ${JSON.stringify(result.weights)} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  if (write) writeFusion(bundleDir, result);
  // Answering ranks with the fusion weights, so abstention is measured after they are written.
  await abstention(bundleDir, runDir, limit, write);
}

function writeFusion(bundleDir: string, result: FusionCalibration): void {
  const file = path.join(bundleDir, 'manifest.json');
  const manifest = JSON.parse(readFileSync(file, 'utf8'));
  manifest.retrieval.fusion = result.weights;
  manifest.retrieval.fusion_calibration = {
    method: 'weighted reciprocal-rank fusion (k 60) of the product\'s own candidate lists (pools of 200) scored by chunk MRR on the training run\'s held-out ' +
      'synthesized questions, indexed through the product; the memory weight with the best MRR (lexical weight 1)',
    date: new Date().toISOString(),
    questions: result.questions,
    chunks_indexed: result.chunksIndexed,
    by_memory_weight: result.scores.map((s) => ({
      memory_weight: Number.isFinite(s.memoryWeight) ? s.memoryWeight : 'memory alone',
      mrr: Number(s.mrr.toFixed(4)),
      recall_at_5: Number(s.recallAt5.toFixed(4)),
    })),
    lexical_alone: { mrr: Number(result.lexicalAlone.mrr.toFixed(4)), recall_at_5: Number(result.lexicalAlone.recallAt5.toFixed(4)) },
  };
  writeFileSync(file, JSON.stringify(manifest, null, 2) + '\n');
  console.log(`wrote retrieval.fusion to ${file}`);
}

/** Fusion weights from the per-question grids of a `clara eval --fusion-grid` run of this very bundle. */
function fusionFromEval(bundleDir: string, resultsFile: string, write: boolean): void {
  const file = path.join(bundleDir, 'manifest.json');
  const manifest = JSON.parse(readFileSync(file, 'utf8'));
  const run = JSON.parse(readFileSync(resultsFile, 'utf8')) as EvalRun & { command?: string };
  const versions = [...new Set(run.corpora.map((c) => c.state.model.version))];
  if (versions.length !== 1 || versions[0] !== manifest.version) {
    throw new Error(`${resultsFile} ranked with ${versions.join(', ') || 'no bundle'}, not this bundle's ${manifest.version}`);
  }
  const withGrid = run.results.filter((r) => r.fusionGrid);
  const evaluation = [...new Set(withGrid.filter((r) => EVALUATION_SETS.includes(r.set)).map((r) => r.set))];
  if (evaluation.length > 0) {
    throw new Error(`${resultsFile} has questions of ${evaluation.join(', ')}: fusion weights are never chosen on the evaluation sets`);
  }
  const choice = chooseFromGrids(withGrid.map((r) => r.fusionGrid!));
  const sets = [...new Set(withGrid.map((r) => r.set))];
  console.log(`${choice.questions} questions of ${sets.join(', ')} (${resultsFile})`);
  console.log('| memory weight (lexical 1) | file MRR | file Recall@5 |\n|---:|---:|---:|');
  for (const s of choice.scores) console.log(`| ${s.memoryWeight} | ${s.mrr.toFixed(4)} | ${s.recallAt5.toFixed(4)} |`);
  console.log(`chosen: memory weight ${choice.memoryWeight} (the manifest has ${JSON.stringify(manifest.retrieval.fusion ?? 'none')})`);
  if (!write) return;
  manifest.retrieval.fusion = { memory_weight: choice.memoryWeight, lexical_weight: 1 };
  manifest.retrieval.fusion_calibration = {
    method: 'weighted reciprocal-rank fusion (k 60) of the product\'s own candidate lists (clara eval --fusion-grid: pools of 200, as every search, the fused list cut ' +
      `at 50 chunks) scored by file-level MRR on the real questions of ${sets.join(', ')}, never the evaluation sets; the memory weight with the ` +
      'best mean MRR (lexical weight 1)',
    date: new Date().toISOString(),
    questions: choice.questions,
    source: run.command ?? resultsFile,
    by_memory_weight: choice.scores.map((s) => ({
      memory_weight: s.memoryWeight, mrr: Number(s.mrr.toFixed(4)), recall_at_5: Number(s.recallAt5.toFixed(4)),
    })),
  };
  writeFileSync(file, JSON.stringify(manifest, null, 2) + '\n');
  console.log(`wrote retrieval.fusion to ${file}; re-measure abstention with --run-dir RUN --skip-fusion --write`);
}

async function abstention(bundleDir: string, runDir: string, limit: number | undefined, write: boolean): Promise<void> {
  const started = Date.now();
  const a = await calibrateAbstention({
    bundleDir, runDir, limit, workDir: path.join(tmpdir(), `clara-calibrate-abstain-${process.pid}`),
    log: (m) => console.error(`[calibrate] ${m}`),
  });
  const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
  console.log(`abstention: ${a.answerable} answerable / ${a.unanswerable} unanswerable held-out questions ` +
    `(${a.filesIndexed} files indexed, ${a.filesAbsent} held-out files left out)`);
  console.log(`  named code found in the blocks read (never abstains): ${pct(a.namedFound.answerable)} of answerable, ` +
    `${pct(a.namedFound.unanswerable)} of unanswerable`);
  console.log(`  chosen abstain_below ${a.threshold.toFixed(4)}: abstains on ${pct(a.answerableAbstained)} of answerable, ` +
    `${pct(a.unanswerableAbstained)} of unanswerable (balanced accuracy ${a.balancedAccuracy.toFixed(3)})`);
  console.log(`  balanced-accuracy optimum ${a.bestBalanced.threshold.toFixed(4)}: ${a.bestBalanced.balancedAccuracy.toFixed(3)}, ` +
    `abstaining on ${pct(a.bestBalanced.answerableAbstained)} of answerable (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  if (!write) return;
  const file = path.join(bundleDir, 'manifest.json');
  const manifest = JSON.parse(readFileSync(file, 'utf8'));
  manifest.retrieval.abstain_below = Number(a.threshold.toFixed(4));
  manifest.retrieval.abstain_calibration = {
    method: `best memory score of retrieve() (fused, default top-k) on the training run's held-out synthesized questions, indexed through the product ` +
      `with every other held-out file left out; a question whose named code is in a block the generator would read never abstains; the highest ` +
      `threshold that abstains on at most ${pct(a.maxFalseAbstain)} of the answerable questions among the others`,
    date: new Date().toISOString(),
    answerable: a.answerable,
    unanswerable: a.unanswerable,
    answerable_abstained: Number(a.answerableAbstained.toFixed(4)),
    unanswerable_abstained: Number(a.unanswerableAbstained.toFixed(4)),
    named_code_found: { answerable: Number(a.namedFound.answerable.toFixed(4)), unanswerable: Number(a.namedFound.unanswerable.toFixed(4)) },
    balanced_accuracy: Number(a.balancedAccuracy.toFixed(4)),
    balanced_accuracy_optimum: { threshold: Number(a.bestBalanced.threshold.toFixed(4)), balanced_accuracy: Number(a.bestBalanced.balancedAccuracy.toFixed(4)) },
  };
  writeFileSync(file, JSON.stringify(manifest, null, 2) + '\n');
  console.log(`wrote retrieval.abstain_below to ${file}`);
}

main().catch((err) => {
  console.error(`calibrate: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
