/**
 * Merge several `clara eval` output folders (run per corpus group so that a long run's parts survive on their own)
 * into one summary: the tables docs/EVALUATION.md shows.
 *
 * usage: node --import tsx bench/merge-eval.ts OUT.md RUN_DIR [RUN_DIR ...]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderMarkdown, summarise } from '../extension/engine/eval/eval-report';
import type { EvalRun } from '../extension/engine/eval/run-eval';

function main(): void {
  const [outFile, ...dirs] = process.argv.slice(2);
  if (!outFile || dirs.length === 0) throw new Error('usage: merge-eval.ts OUT.md RUN_DIR [RUN_DIR ...]');
  const runs = dirs.map((d) => JSON.parse(readFileSync(join(d, 'results.json'), 'utf8')) as EvalRun & { command: string });
  const merged: EvalRun = {
    config: runs[0].config,
    startedAt: runs.map((r) => r.startedAt).sort()[0],
    finishedAt: runs.map((r) => r.finishedAt).sort().reverse()[0],
    corpora: runs.flatMap((r) => r.corpora),
    results: runs.flatMap((r) => r.results),
    ...(runs[0].memoryWeight === undefined ? {} : { memoryWeight: runs[0].memoryWeight }),
  };
  const commands = runs.map((r) => r.command).join('` ; `');
  writeFileSync(outFile, renderMarkdown(merged, summarise(merged.results), commands));
}

main();
