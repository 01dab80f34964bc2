/**
 * Calibrates a bundle's fusion weights on its training run's held-out questions and (with --write) records them in
 * the bundle's manifest.json (`retrieval.fusion`, plus the measurements in `retrieval.fusion_calibration`).
 *
 *   npm run calibrate -- --bundle models/clara-code-tiny --run-dir models/training/runs/tiny [--limit 800] [--write]
 *
 * The manifest is not covered by the bundle's sha256 list and the model version does not change, so existing
 * indexes stay valid; only the order in which fused results are listed follows the new weights.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { calibrateFusion } from '../extension/engine/eval/fusion-calibration';

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const bundleDir = flag('bundle');
  const runDir = flag('run-dir');
  if (!bundleDir || !runDir) throw new Error('usage: --bundle <bundle folder> --run-dir <training run folder> [--limit N] [--write]');
  const limit = flag('limit') ? Number(flag('limit')) : undefined;
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
  if (!process.argv.includes('--write')) return;
  const file = path.join(bundleDir, 'manifest.json');
  const manifest = JSON.parse(readFileSync(file, 'utf8'));
  manifest.retrieval.fusion = result.weights;
  manifest.retrieval.fusion_calibration = {
    method: 'weighted reciprocal-rank fusion (k 60) of the product\'s own candidate lists at its default top-k (pools of 20) scored by chunk MRR on the training run\'s held-out ' +
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

main().catch((err) => {
  console.error(`calibrate: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
