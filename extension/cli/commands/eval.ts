/**
 * `clara eval`: quality of the product on the eval kit's sets, with its baselines beside it, written as
 * results.json + summary.md + score.py prediction files. The work is extension/engine/eval/run-eval.ts.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { defaultEvalCacheDir, knownCorpora } from '../../engine/eval/corpora';
import { EVAL_SET_NAMES, defaultEvalDataDir, type EvalSetName } from '../../engine/eval/eval-sets';
import { writeEvalRun } from '../../engine/eval/eval-report';
import { runEval } from '../../engine/eval/run-eval';
import { choiceFlag, positiveIntFlag, stringFlag, UsageError, type FlagSpec, type ParsedArgs } from '../cli-args';
import type { CliCommand, CliIo } from '../cli-command';

const EVAL_FLAGS: FlagSpec = {
  set: 'string', corpus: 'string', limit: 'string', bundle: 'string', provider: 'string', 'top-k': 'string',
  'no-lexical': 'boolean', 'no-answers': 'boolean', 'no-grounding': 'boolean', 'fusion-grid': 'boolean', exclude: 'string', out: 'string', data: 'string', cache: 'string', json: 'boolean',
};

function listFlag(args: ParsedArgs, name: string): string[] | undefined {
  const v = stringFlag(args, name);
  return v === undefined ? undefined : v.split(',').map((s) => s.trim()).filter(Boolean);
}

async function runEvalCommand(args: ParsedArgs, io: CliIo): Promise<number> {
  if (args.positionals.length > 0) throw new UsageError(`clara eval takes no positional arguments (got '${args.positionals[0]}')`);
  const sets = (listFlag(args, 'set') ?? ['sweqa', 'swebench_lite_loc']) as EvalSetName[];
  for (const s of sets) if (!EVAL_SET_NAMES.includes(s)) throw new UsageError(`--set: unknown set '${s}' (known: ${EVAL_SET_NAMES.join(', ')})`);
  const dataDir = path.resolve(stringFlag(args, 'data') ?? defaultEvalDataDir());
  if (!existsSync(path.join(dataDir, 'corpora.json'))) {
    throw new UsageError(`no eval kit at ${dataDir} (expected corpora.json there; pass --data DIR or set CLARA_EVAL_DATA)`);
  }
  const corpora = listFlag(args, 'corpus');
  const known = knownCorpora(dataDir);
  for (const c of corpora ?? []) if (!known.includes(c)) throw new UsageError(`--corpus: unknown corpus '${c}' (known: ${known.join(', ')})`);
  const bundle = stringFlag(args, 'bundle');
  const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
  const outDir = path.resolve(stringFlag(args, 'out') ?? `clara-eval-${stamp}`);
  const log = (m: string) => io.err(`${m}\n`);
  const run = await runEval({
    dataDir,
    cacheDir: path.resolve(stringFlag(args, 'cache') ?? defaultEvalCacheDir()),
    bundleDir: bundle ? path.resolve(bundle) : undefined,
    executionProvider: choiceFlag(args, 'provider', ['auto', 'cpu', 'cuda'] as const) ?? 'auto',
    sets,
    corpora,
    limit: positiveIntFlag(args, 'limit'),
    answers: !args.flags.has('no-answers'),
    topK: positiveIntFlag(args, 'top-k'),
    lexicalFusion: !args.flags.has('no-lexical'),
    grounding: !args.flags.has('no-grounding'),
    fusionGrid: args.flags.has('fusion-grid'),
    excludes: listFlag(args, 'exclude'),
    log,
  });
  const command = `clara eval ${process.argv.slice(3).join(' ')}`.trim();
  const summary = writeEvalRun(outDir, run, command);
  if (args.flags.has('json')) io.out(`${JSON.stringify({ outDir, summary }, null, 1)}\n`);
  else io.out(`results: ${path.join(outDir, 'results.json')}\ntable:   ${path.join(outDir, 'summary.md')}\n`);
  return run.results.some((r) => r.error) ? 1 : 0;
}

export const evalCommand: CliCommand = {
  usage: 'eval [--set S,..] [--corpus ID,..] [--limit N]',
  summary: 'score the bundle on the eval kit (SWE-QA, SWE-bench Lite loc, CoSQA) beside BM25 and extractive baselines, ' +
    'or on the development kit (--data models/training/devkit --set changelog_loc); ' +
    'also --out DIR --data DIR --cache DIR --exclude GLOB,.. --no-answers --no-grounding --no-lexical --fusion-grid --bundle --provider --top-k --json',
  flags: EVAL_FLAGS,
  run: runEvalCommand,
};
