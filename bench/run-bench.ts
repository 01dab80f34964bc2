/**
 * `npm run bench`: speed, memory and size of the product on real corpora at three sizes, with its baselines in the
 * same run, and the arithmetic limit of compression on this machine. Writes bench/results/bench-latest.json,
 * bench/results/bench-latest.md and bench/results/growth.svg (plus a dated copy of the JSON).
 *
 * usage: npm run bench -- [--corpora requests,flask,pytest,django] [--bundle DIR] [--quick]
 *   --quick: fewer queries/asks/sample chunks (a smoke run, not for publishing).
 * Needs the Python venv at .venv (torch, onnx, onnxruntime, tokenizers, matplotlib) for the MiniLM export, the
 * FLOP count and the plot; see docs/BENCHMARKS.md.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { defaultEvalCacheDir } from '../extension/engine/eval/corpora';
import { defaultEvalDataDir } from '../extension/engine/eval/eval-sets';
import { defaultBundleDir } from '../extension/engine/model/load-bundle';
import { readManifest } from '../extension/engine/model/manifest-check';
import type { BenchCorpusArgs } from './bench-corpus';
import { renderBenchMarkdown } from './bench-report';
import { machineInfo } from './stats';

const REPO = resolve(__dirname, '..');
const RESULTS = join(REPO, 'bench', 'results');
const TMP = join(RESULTS, 'tmp');
const PYTHON = process.env.CLARA_BENCH_PYTHON ?? join(REPO, '.venv', 'bin', 'python');

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function python(args: string[]): string {
  if (!existsSync(PYTHON)) throw new Error(`no Python at ${PYTHON}; create the venv (docs/BENCHMARKS.md) or set CLARA_BENCH_PYTHON`);
  return execFileSync(PYTHON, args, { cwd: REPO, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'inherit'] });
}

/** Translations are text the indexer would read but nobody asks about; the large corpus is benched without them. */
const CORPUS_EXCLUDES: Record<string, string[]> = { django: ['**/locale/**'] };

const lastJson = (out: string) => JSON.parse(out.trim().split('\n').pop() ?? '{}');

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const corpora = (flag('corpora') ?? 'requests,flask,pytest,django').split(',');
  const bundleDir = resolve(flag('bundle') ?? defaultBundleDir());
  const manifest = readManifest(bundleDir); // the loader's own reading: checked, NaN written by Python read as null
  mkdirSync(TMP, { recursive: true });
  const started = new Date();
  const log = (m: string) => process.stderr.write(`[bench ${((Date.now() - started.getTime()) / 1000).toFixed(0)}s] ${m}\n`);

  const minilmDir = join(TMP, 'minilm-l6-random');
  if (!existsSync(join(minilmDir, 'onnx', 'model.onnx'))) {
    log('exporting the MiniLM-L6-shaped encoder (random weights) to ONNX');
    python(['bench/python/export_minilm.py', minilmDir]);
  }
  log('arithmetic limit: compressor FLOPs per chunk and matmul peak');
  const arithmetic = lastJson(python(['bench/python/arithmetic_limit.py', join(bundleDir, manifest.files.compressor),
    String(manifest.doc_max_tokens), '2']));

  const runs: unknown[] = [];
  for (const corpus of corpora) {
    log(`${corpus}: cold index, queries, baselines`);
    const args: BenchCorpusArgs = {
      corpus, dataDir: defaultEvalDataDir(), cacheDir: defaultEvalCacheDir(), storeDir: join(TMP, 'stores', corpus),
      bundleDir, minilmDir, queries: quick ? 5 : 40, asks: quick ? 2 : 10, sample: quick ? 32 : 192, stageFiles: quick ? 20 : 120,
      excludes: CORPUS_EXCLUDES[corpus] ?? [],
    };
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(REPO, 'bench', 'bench-corpus.ts'), JSON.stringify(args)], {
      cwd: REPO, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LANCEDB_LOG: process.env.LANCEDB_LOG ?? 'error', RUST_LOG: process.env.RUST_LOG ?? 'error' },
    });
    if (r.status !== 0) throw new Error(`bench of ${corpus} failed (exit ${r.status}):\n${r.stderr.split('\n').slice(-20).join('\n')}`);
    const one = lastJson(r.stdout);
    log(`${corpus}: ${one.index.chunks} chunks in ${one.index.seconds.toFixed(1)} s`);
    runs.push(one);
  }

  const result = {
    startedAt: started.toISOString(), finishedAt: new Date().toISOString(), quick,
    machine: machineInfo(REPO), bundle: { dir: bundleDir, name: manifest.name, version: manifest.version, config: manifest.config,
      doc_max_tokens: manifest.doc_max_tokens, mem_tokens: manifest.mem_tokens, hidden: manifest.hidden },
    arithmetic, corpora: runs,
  };
  const name = quick ? 'bench-quick' : 'bench-latest';
  writeFileSync(join(RESULTS, `${name}.json`), JSON.stringify(result, null, 1));
  if (!quick) writeFileSync(join(RESULTS, `bench-${started.toISOString().slice(0, 10)}.json`), JSON.stringify(result, null, 1));
  python(['bench/python/plot_growth.py', join(RESULTS, `${name}.json`), join(RESULTS, quick ? 'growth-quick.svg' : 'growth.svg')]);
  writeFileSync(join(RESULTS, `${name}.md`), renderBenchMarkdown(result as never, quick ? 'growth-quick.svg' : 'growth.svg'));
  log(`wrote ${join(RESULTS, `${name}.json`)}, ${name}.md and the growth plot`);
}

main().catch((err) => {
  process.stderr.write(`bench: ${(err as Error).message}\n`);
  process.exit(1);
});
