import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { scratchDir } from '../fixtures/fixture-repo';
import { EvalDataError, cosqaSnippetPath, loadEvalSet, loadJsonlSet } from '../../extension/engine/eval/eval-sets';
import { materialiseCosqa } from '../../extension/engine/eval/corpora';
import { selectQuestions } from '../../extension/engine/eval/run-eval';

function kit(): string {
  const dir = scratchDir('clara-kit-');
  const rows = [
    { id: 'flask-1', corpus: 'flask', question: 'q1', reference_answer: 'a', gold_files: ['app.py'], gold_from: 'paths',
      gold_lines: [['app.py', 3, 9]] },
    { id: 'flask-2', corpus: 'flask', question: 'q2', reference_answer: 'b', gold_files: ['cli.py'], gold_from: 'symbols' },
    { id: 'requests-1', corpus: 'requests', question: 'q3', reference_answer: 'c', gold_files: ['api.py'] },
  ];
  writeFileSync(join(dir, 'sweqa.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n\n');
  mkdirSync(join(dir, 'cosqa'));
  writeFileSync(join(dir, 'cosqa', 'code_idx_map.txt'), JSON.stringify({ 'def a():\n    pass': 0, 'def b(): return 1\n': 1 }));
  writeFileSync(join(dir, 'cosqa', 'cosqa-retrieval-test-500.json'), JSON.stringify([
    { idx: 'cosqa-test-0', doc: 'python function b', retrieval_idx: 1 },
  ]));
  return dir;
}

test('SWE-QA rows load with gold lines, reference answer and gold source', () => {
  const qs = loadEvalSet(kit(), 'sweqa');
  assert.equal(qs.length, 3);
  assert.deepEqual(qs[0].goldLines, [['app.py', 3, 9]]);
  assert.equal(qs[1].goldFrom, 'symbols');
  assert.equal(qs[2].referenceAnswer, 'c');
});

test('the development kit\'s changelog rows load by set name, without a reference answer', () => {
  const dir = kit();
  writeFileSync(join(dir, 'changelog_loc.jsonl'), JSON.stringify({ id: 'knex@2.4.1', corpus: 'knex',
    question: 'Fix migration lock table creation on Postgres', gold_files: ['lib/migrations/migrate/Migrator.js'],
    release: '2.4.1', previous: '2.4.0' }) + '\n');
  const [q] = loadEvalSet(dir, 'changelog_loc');
  assert.equal(q.set, 'changelog_loc');
  assert.deepEqual(q.goldFiles, ['lib/migrations/migrate/Migrator.js']);
  assert.equal(q.referenceAnswer, undefined);
  assert.throws(() => loadEvalSet(kit(), 'changelog_loc'), /evaluation set not found: .*changelog_loc\.jsonl/);
});

test('the committed development kit loads, and every question\'s corpus is pinned in its corpora.json', () => {
  const devkit = join(__dirname, '..', '..', 'models', 'training', 'devkit');
  const qs = loadEvalSet(devkit, 'changelog_loc');
  assert.ok(qs.length >= 400, `${qs.length} questions`);
  const corpora = JSON.parse(readFileSync(join(devkit, 'corpora.json'), 'utf8')) as Record<string, { source: string; version: string }>;
  for (const q of qs) {
    assert.ok(corpora[q.corpus], `${q.id}: corpus ${q.corpus} not in corpora.json`);
    assert.ok(q.goldFiles.every((f) => /\.(m|c)?(j|t)sx?$/.test(f) && !f.startsWith('/')), `${q.id}: ${q.goldFiles}`);
  }
  assert.ok(Object.values(corpora).every((c) => c.source === 'npm' && /^\d+\.\d+\.\d+$/.test(c.version)));
  // get-corpus.sh answers `list` offline and refuses an unknown id with the known ones.
  const script = join(devkit, 'get-corpus.sh');
  assert.deepEqual(execFileSync('bash', [script, 'list'], { encoding: 'utf8' }).trim().split('\n').sort(), Object.keys(corpora).sort());
  assert.throws(() => execFileSync('bash', [script, 'no-such-corpus', scratchDir('clara-devkit-')], { stdio: 'pipe' }),
    (e: Error & { stderr?: Buffer }) => /unknown corpus 'no-such-corpus'; known: .*knex/.test(String(e.stderr)));
});

test('a malformed row is reported with file and line', () => {
  const dir = kit();
  const f = join(dir, 'bad.jsonl');
  writeFileSync(f, '{"id": "x", "corpus": "c", "question": "q", "gold_files": ["a"]}\n{"id": "y", "corpus": "c", "question": "q", "gold_files": []}\n');
  assert.throws(() => loadJsonlSet(f, 'swebench_lite_loc'), (e: Error) => e instanceof EvalDataError && /bad\.jsonl:2: gold_files/.test(e.message));
  writeFileSync(f, '{not json\n');
  assert.throws(() => loadJsonlSet(f, 'swebench_lite_loc'), /bad\.jsonl:1: not JSON/);
  assert.throws(() => loadJsonlSet(join(dir, 'none.jsonl'), 'sweqa'), /not found/);
});

test('question selection filters corpora and limits per (set, corpus)', () => {
  const dir = kit();
  const sel = selectQuestions({ dataDir: dir, sets: ['sweqa'], limit: 1 });
  assert.deepEqual([...sel.keys()], ['flask', 'requests']);
  assert.deepEqual(sel.get('flask')!.map((q) => q.id), ['flask-1']);
  const only = selectQuestions({ dataDir: dir, sets: ['sweqa'], corpora: ['requests'] });
  assert.deepEqual([...only.keys()], ['requests']);
});

test('CoSQA snippets become one file each, reused on a second call', () => {
  const dir = kit();
  const cache = scratchDir('clara-cache-');
  const root = materialiseCosqa(dir, cache);
  assert.deepEqual(readdirSync(join(root, 'snippets')).sort(), ['0000.py', '0001.py']);
  assert.equal(readFileSync(join(root, cosqaSnippetPath(1)), 'utf8'), 'def b(): return 1\n');
  assert.equal(readFileSync(join(root, cosqaSnippetPath(0)), 'utf8'), 'def a():\n    pass\n');
  assert.equal(materialiseCosqa(dir, cache), root);
  const qs = loadEvalSet(dir, 'cosqa');
  assert.deepEqual(qs[0].goldFiles, ['snippets/0001.py']);
  assert.ok(existsSync(join(root, qs[0].goldFiles[0])));
});
