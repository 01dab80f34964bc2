/**
 * `clara eval` end to end on a kit the test writes: a toy library fetched by the kit's own get-corpus.sh, SWE-QA and
 * SWE-bench-style rows about it, and a three-snippet CoSQA. The real engine (bundle from disk, LanceDB, tree-sitter)
 * indexes and answers; the written predictions are then re-scored by score.py and must agree with our summary.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { scratchDir } from '../fixtures/fixture-repo';
import { writeEvalRun } from '../../extension/engine/eval/eval-report';
import { FUSION_GRID_WEIGHTS } from '../../extension/engine/eval/fusion-grid';
import { runEval } from '../../extension/engine/eval/run-eval';
import { bundleUnderTest } from '../bundle/bundle-under-test';

const TOY: Record<string, string> = {
  'toy/cookies.py': [
    'def merge_cookies(jar, cookies):',
    '    """Merge a dict of cookies into the cookie jar."""',
    '    for name, value in cookies.items():',
    '        jar[name] = value',
    '    return jar',
  ].join('\n'),
  'toy/retry.py': [
    'class RetryPolicy:',
    '    """How often a failed request is retried, with exponential backoff."""',
    '    def backoff_seconds(self, attempt):',
    '        return 0.5 * (2 ** attempt)',
  ].join('\n'),
  'toy/urls.py': [
    'def split_url(url):',
    '    """Split a URL into scheme, host and path."""',
    '    scheme, rest = url.split("://", 1)',
    '    host, _, path = rest.partition("/")',
    '    return scheme, host, "/" + path',
  ].join('\n'),
};

function writeKit(): string {
  const kit = scratchDir('clara-evalkit-');
  const src = join(kit, 'toy-src');
  for (const [p, text] of Object.entries(TOY)) {
    mkdirSync(join(src, p, '..'), { recursive: true });
    writeFileSync(join(src, p), `${text}\n`);
  }
  writeFileSync(join(kit, 'corpora.json'), JSON.stringify({ toy: { source: 'debian', package: 'toy', version: '1', subdir: 'toy' } }));
  // The kit's contract: get-corpus.sh ID DEST materialises the corpus and prints the folder to index last.
  writeFileSync(join(kit, 'get-corpus.sh'), `#!/usr/bin/env bash
set -euo pipefail
[[ "$1" == toy ]] || { echo "unknown corpus $1" >&2; exit 1; }
mkdir -p "$2" && cp -r "${src}/toy" "$2/" && echo "$2/toy"
`);
  const sweqa = [
    { id: 'toy-1', corpus: 'toy', question: 'How does merge_cookies put cookies into the jar?', gold_from: 'paths',
      reference_answer: 'merge_cookies loops over the cookies dict and sets each name to its value in the jar.',
      gold_files: ['cookies.py'], gold_lines: [['cookies.py', 1, 5]] },
    { id: 'toy-2', corpus: 'toy', question: 'What backoff does RetryPolicy use between attempts?', gold_from: 'symbols',
      reference_answer: 'Exponential backoff: 0.5 seconds times two to the power of the attempt.', gold_files: ['retry.py'] },
    { id: 'toy-3', corpus: 'toy', question: 'Where is a URL split into scheme, host and path?', gold_from: 'paths',
      reference_answer: 'split_url in urls.py.', gold_files: ['urls.py'] },
  ];
  writeFileSync(join(kit, 'sweqa.jsonl'), sweqa.map((r) => JSON.stringify(r)).join('\n') + '\n');
  writeFileSync(join(kit, 'swebench_lite_loc.jsonl'), JSON.stringify({ id: 'toy__toy-1', corpus: 'toy',
    question: 'split_url crashes on a URL without "://"', gold_files: ['urls.py'] }) + '\n');
  // Development-kit style rows (a release note and the files it changed): what fusion may be calibrated on.
  writeFileSync(join(kit, 'changelog_loc.jsonl'), [
    { id: 'toy@2:1', corpus: 'toy', question: 'Fix: cookies with an empty value were dropped when merged', gold_files: ['cookies.py'] },
    { id: 'toy@2:2', corpus: 'toy', question: 'Retries now wait longer after each failed attempt', gold_files: ['retry.py'] },
  ].map((r) => JSON.stringify(r)).join('\n') + '\n');
  mkdirSync(join(kit, 'cosqa'));
  writeFileSync(join(kit, 'cosqa', 'code_idx_map.txt'), JSON.stringify({
    'def reverse_string(s):\n    return s[::-1]': 0,
    'def read_json_file(path):\n    import json\n    with open(path) as f:\n        return json.load(f)': 1,
    'def flatten_list(items):\n    return [x for sub in items for x in sub]': 2,
  }));
  writeFileSync(join(kit, 'cosqa', 'cosqa-retrieval-test-500.json'), JSON.stringify([
    { idx: 'cosqa-test-0', doc: 'python read json file', retrieval_idx: 1 },
    { idx: 'cosqa-test-1', doc: 'flatten a nested list python', retrieval_idx: 2 },
  ]));
  return kit;
}

const SCORE_PY = join(process.env.CLARA_EVAL_DATA ?? '/work/shared/eval', 'tools', 'score.py');

test('runEval indexes with the product, scores every system and writes score.py-compatible predictions', { timeout: 600_000 }, async () => {
  const kit = writeKit();
  const cache = scratchDir('clara-evalcache-');
  const logs: string[] = [];
  const run = await runEval({
    dataDir: kit, cacheDir: cache, bundleDir: bundleUnderTest(), executionProvider: 'cpu',
    sets: ['sweqa', 'swebench_lite_loc', 'cosqa'], answers: true, lexicalFusion: true, fusionGrid: true, log: (m) => logs.push(m),
  });
  const manifest = JSON.parse(readFileSync(join(bundleUnderTest(), 'manifest.json'), 'utf8'));
  const bundleWeight: number = manifest.retrieval.fusion?.lexical_weight === 1 ? manifest.retrieval.fusion.memory_weight
    : manifest.retrieval.fusion ? Number.NaN : 1; // no fusion in the manifest: equal weights
  assert.equal(run.results.length, 6);
  assert.deepEqual(run.corpora.map((c) => c.corpus), ['toy', 'cosqa']);
  assert.equal(run.corpora[0].state.files, 3);
  assert.equal(run.corpora[1].state.files, 3);
  for (const r of run.results) {
    assert.equal(r.error, undefined, `${r.id}: ${r.error}`);
    for (const sys of ['memory', 'lexical', 'fused', 'bm25'] as const) {
      const m = r.retrieval[sys]!.metrics;
      assert.ok(m.mrr >= 0 && m.mrr <= 1 && m['recall@10'] >= 0 && m['recall@10'] <= 1, `${r.id} ${sys}`);
    }
    // The fusion grid ranks each question at every weight from the same two lists: at the bundle's own weight it is
    // the fused row.
    assert.deepEqual(r.fusionGrid!.map((p) => p.memoryWeight), FUSION_GRID_WEIGHTS, r.id);
    const own = r.fusionGrid!.find((p) => p.memoryWeight === bundleWeight);
    if (!Number.isNaN(bundleWeight)) {
      assert.ok(own, `${r.id}: the grid has the bundle's weight ${bundleWeight}`);
      assert.equal(own.mrr, r.retrieval.fused!.metrics.mrr, `${r.id}: grid at the bundle's weight = fused, MRR`);
      assert.equal(own['recall@5'], r.retrieval.fused!.metrics['recall@5'], `${r.id}: grid at the bundle's weight = fused, R@5`);
    }
    if (r.set === 'cosqa') {
      assert.deepEqual(Object.keys(r.answers), []);
    } else {
      assert.ok(r.answers.generator, `${r.id} has a generator answer`);
      assert.ok(r.answers.generator.metrics.abstained === 0 || r.answers.generator.metrics.abstained === 1);
      assert.ok(r.answers.extractive_bm25);
      // The echo row scores the question itself (where a reference answer exists); the generator's quoted names are
      // all in the chunks it read.
      if (r.set === 'sweqa') assert.equal(r.answers.question_echo!.answer, questionOf(kit, r.id));
      else assert.equal(r.answers.question_echo, undefined);
      const grounded = r.answers.generator.metrics.quoted_grounded;
      assert.ok(grounded === undefined || grounded === 1, `${r.id}: ${r.answers.generator.answer}`);
    }
  }
  // Three files, so every gold file is within the top 10 of every ranking that returns the whole corpus.
  const toy1 = run.results.find((r) => r.id === 'toy-1')!;
  assert.equal(toy1.retrieval.bm25!.files[0], 'cookies.py', 'BM25 ranks the file naming merge_cookies first');
  assert.equal(toy1.answers.extractive_bm25!.answer, 'Merge a dict of cookies into the cookie jar.');
  assert.equal(toy1.retrieval.memory!.metrics['recall@10'], 1);
  assert.ok('span_hit@1' in toy1.retrieval.memory!.metrics);

  const out = scratchDir('clara-evalout-');
  const summary = writeEvalRun(out, run, 'clara eval (test)');
  const md = readFileSync(join(out, 'summary.md'), 'utf8');
  assert.match(md, /## sweqa — gold from paths/);
  assert.match(md, /BM25 baseline \(MiniSearch\)/);
  assert.match(md, /reference point, not an answer: the question itself/);
  assert.equal(JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')).results.length, 6);
  assert.match(md, /Fused ranking by memory weight/);

  // Fusion weights can be calibrated from the real questions of a development-kit run (on a copy of the bundle,
  // written to its manifest with the grid they were chosen from), never from the evaluation sets' questions, and never
  // from another bundle's run.
  const devRun = await runEval({
    dataDir: kit, cacheDir: cache, bundleDir: bundleUnderTest(), executionProvider: 'cpu',
    sets: ['changelog_loc'], answers: false, lexicalFusion: true, fusionGrid: true, log: () => {},
  });
  const devOut = scratchDir('clara-evalout-dev-');
  writeEvalRun(devOut, devRun, 'clara eval (test, development kit)');
  const copy = join(scratchDir('clara-calibrated-'), 'bundle');
  cpSync(bundleUnderTest(), copy, { recursive: true });
  const calibrate = (bundle: string, results: string) => execFileSync(process.execPath,
    ['--import', 'tsx', 'models/calibrate-bundle.ts', '--bundle', bundle, '--fusion-from-eval', results, '--write'],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  assert.throws(() => calibrate(copy, join(out, 'results.json')), /never chosen on the evaluation sets/);
  const printed = calibrate(copy, join(devOut, 'results.json'));
  assert.match(printed, /2 questions of changelog_loc/);
  const written = JSON.parse(readFileSync(join(copy, 'manifest.json'), 'utf8')).retrieval;
  assert.equal(written.fusion.lexical_weight, 1);
  assert.ok(FUSION_GRID_WEIGHTS.includes(written.fusion.memory_weight));
  assert.equal(written.fusion_calibration.questions, 2);
  assert.equal(written.fusion_calibration.by_memory_weight.length, FUSION_GRID_WEIGHTS.length);
  assert.match(printed, new RegExp(`chosen: memory weight ${written.fusion.memory_weight} `));
  const other = JSON.parse(readFileSync(join(copy, 'manifest.json'), 'utf8'));
  other.version = 'another-version';
  writeFileSync(join(copy, 'manifest.json'), JSON.stringify(other));
  assert.throws(() => calibrate(copy, join(devOut, 'results.json')), /ranked with .*, not this bundle's another-version/);

  if (!existsSync(SCORE_PY)) return;
  for (const sys of ['memory', 'lexical', 'fused', 'bm25'] as const) {
    const py = JSON.parse(execFileSync('python3', [SCORE_PY, join(kit, 'sweqa.jsonl'), join(out, 'predictions', `sweqa.${sys}.jsonl`)], { encoding: 'utf8' }));
    const ours = summary.sweqa.all[sys].ALL.mean;
    for (const k of ['recall@1', 'recall@5', 'recall@10', 'mrr']) {
      assert.equal(py.ALL[k], Math.round(ours[k] * 1e4) / 1e4, `${sys} ${k}`);
    }
  }
  const pyFused = JSON.parse(execFileSync('python3', [SCORE_PY, join(kit, 'sweqa.jsonl'), join(out, 'predictions', 'sweqa.fused.jsonl')], { encoding: 'utf8' }));
  const gen = summary.sweqa.all.generator.ALL.mean;
  assert.equal(pyFused.ALL.answer_token_f1, Math.round(gen.answer_token_f1 * 1e4) / 1e4);
  assert.equal(pyFused.ALL.citation_file_hit, Math.round(gen.citation_file_hit * 1e4) / 1e4);
});

function questionOf(kit: string, id: string): string {
  for (const line of readFileSync(join(kit, 'sweqa.jsonl'), 'utf8').split('\n').filter(Boolean)) {
    const row = JSON.parse(line) as { id: string; question: string };
    if (row.id === id) return row.question;
  }
  throw new Error(`no SWE-QA question ${id} in the kit`);
}
