/**
 * The faults of form (answer/answer-form.ts) in the generated answers of one or more `clara eval` output folders,
 * abstentions aside: how many answers have any, and how many have each kind. With SHOW=1 it prints each faulty
 * answer. The `well formed` column of each run's summary was computed by that run's code; this reads every run
 * with the checker as it is now, so runs of older code are counted the same way.
 *
 *   [SHOW=1] node --import tsx bench/answer-form-census.ts OUT [OUT …]   (each OUT holds results.json files)
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { answerFormFaults } from '../extension/engine/answer/answer-form';

function resultFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return resultFiles(p);
    return name === 'results.json' ? [p] : [];
  });
}

for (const dir of process.argv.slice(2)) {
  const counts: Record<string, number> = {};
  let answers = 0;
  let faulty = 0;
  for (const file of resultFiles(dir).sort()) {
    const run = JSON.parse(readFileSync(file, 'utf8')) as {
      results: Array<{ answers: { generator?: { answer: string; abstained: boolean } } }>;
    };
    for (const q of run.results) {
      const g = q.answers.generator;
      if (!g || g.abstained) continue;
      answers++;
      const faults = answerFormFaults(g.answer);
      if (faults.length > 0) faulty++;
      for (const f of faults) counts[f] = (counts[f] ?? 0) + 1;
      if (process.env.SHOW && faults.length > 0) console.log(`  ${faults.join(',')}: ${JSON.stringify(g.answer)}`);
    }
  }
  console.log(`${dir}: ${faulty} of ${answers} answers with a fault of form ${JSON.stringify(counts)}`);
}
