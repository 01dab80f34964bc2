import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { scratchDir } from '../fixtures/fixture-repo';
import {
  aggregate, answerTokens, citationMetrics, exactMatch, firstNameInReference, rankedFiles, retrievalMetrics, spanHitAtK,
  tokenF1, type MetricRow, type Span,
} from '../../extension/engine/eval/scoring';
import { scoreAnswer } from '../../extension/engine/eval/question-result';

const close = (a: number, b: number, eps = 1e-9) => assert.ok(Math.abs(a - b) < eps, `${a} != ${b}`);

test('answer tokens: lower-case, punctuation to spaces, articles dropped', () => {
  assert.deepEqual(answerTokens('The `Flask.run()` method, an App!'), ['flask', 'run', 'method', 'app']);
  assert.deepEqual(answerTokens(''), []);
});

test('token F1 by hand', () => {
  // pred tokens: cat sat mat (3); ref: cat sat on mat today (5); common 3 → P=1, R=0.6, F1=0.75
  close(tokenF1('the cat sat mat', 'A cat sat on the mat today'), 0.75);
  close(tokenF1('x', 'y'), 0);
  close(tokenF1('', 'y'), 0);
  // repeated tokens count once per occurrence in both (bag overlap): pred a a b, ref a b b → common 2, P=R=2/3
  close(tokenF1('aa aa bb', 'aa bb bb'), 2 / 3);
});

test('exact match after normalisation', () => {
  assert.equal(exactMatch('The Request object.', 'request object'), 1);
  assert.equal(exactMatch('request', 'request object'), 0);
});

test('ranked files collapse duplicates and keep null placeholders', () => {
  assert.deepEqual(rankedFiles(['./a.py', 'a.py', null, 'b.py', 'a.py']), ['a.py', null, 'b.py']);
});

test('retrieval metrics by hand', () => {
  const m = retrievalMetrics(['x.py', 'x.py', 'a.py', 'y.py', 'z.py', 'w.py', 'b.py'], ['a.py', 'b.py']);
  // distinct ranking: x a y z w b → a at rank 2, b at rank 6
  assert.equal(m['recall@1'], 0);
  assert.equal(m['recall@5'], 0.5);
  assert.equal(m['recall@10'], 1);
  assert.equal(m['hit@1'], 0);
  assert.equal(m['hit@5'], 1);
  close(m.mrr, 0.5);
  assert.equal(retrievalMetrics([], ['a.py']).mrr, 0);
  assert.throws(() => retrievalMetrics(['a.py'], []), /without gold files/);
});

test('citation metrics by hand, ±5 line slack', () => {
  const gold: Span[] = [['app.py', 100, 110]];
  const m = citationMetrics([['app.py', 115, 120], ['other.py', 1, 2]], ['app.py'], gold);
  assert.equal(m.citation_file_hit, 1);
  assert.equal(m.citation_file_precision, 0.5);
  assert.equal(m.citation_line_hit, 1); // 115 ≤ 110+5
  assert.equal(citationMetrics([['app.py', 116, 120]], ['app.py'], gold).citation_line_hit, 0);
  assert.equal(citationMetrics([], ['app.py'], undefined).citation_file_precision, 0);
  assert.equal(citationMetrics([], ['app.py'], undefined).citation_line_hit, undefined);
});

test('span hit@k looks only at the top k', () => {
  const gold: Span[] = [['a.py', 10, 20]];
  const retrieved: Span[] = [['b.py', 1, 50], ['a.py', 22, 40]];
  assert.equal(spanHitAtK(retrieved, gold, 1), 0);
  assert.equal(spanHitAtK(retrieved, gold, 2), 1);
});

test('aggregate: means per scope and per-metric counts', () => {
  const s = aggregate([
    { group: 'flask', metrics: { mrr: 1, f1: 0.5 } },
    { group: 'flask', metrics: { mrr: 0 } },
    { group: 'django', metrics: { mrr: 0.5 } },
  ]);
  assert.deepEqual(Object.keys(s), ['ALL', 'django', 'flask']);
  assert.equal(s.ALL.n, 3);
  close(s.ALL.mean.mrr, 0.5);
  assert.equal(s.ALL.count.f1, 1);
  close(s.flask.mean.f1, 0.5);
});

const SCORE_PY = join(process.env.CLARA_EVAL_DATA ?? '/work/shared/eval', 'tools', 'score.py');

test('matches score.py on a small predictions file', { skip: !existsSync(SCORE_PY) && `no score.py at ${SCORE_PY}` }, () => {
  const gold = [
    { id: 'q1', corpus: 'flask', reference_answer: 'The `app.run()` method starts the development server.',
      gold_files: ['app.py'], gold_lines: [['app.py', 40, 60]] },
    { id: 'q2', corpus: 'flask', reference_answer: 'Blueprints register routes lazily via deferred functions.',
      gold_files: ['blueprints.py', 'scaffold.py'] },
    { id: 'q3', corpus: 'requests', reference_answer: 'Session.send adapts the request; HTTPAdapter sends it.',
      gold_files: ['sessions.py'] },
    { id: 'q4', corpus: 'requests', reference_answer: 'Missing prediction.', gold_files: ['api.py'] },
  ];
  const pred = [
    { id: 'q1', files: ['./cli.py', 'app.py', 'app.py', 'wrappers.py'], answer: 'app run starts the server',
      citations: [['app.py', 62, 70], ['cli.py', 1, 5]] },
    { id: 'q2', files: ['scaffold.py', null, 'x.py', 'y.py', 'z.py', 'w.py', 'blueprints.py'],
      answer: 'Blueprints defer route registration.', citations: [] },
    { id: 'q3', files: ['adapters.py'], answer: 'HTTPAdapter', citations: [['adapters.py', 1, 9]] },
  ];
  const dir = scratchDir('clara-score-');
  const gf = join(dir, 'gold.jsonl');
  const pf = join(dir, 'pred.jsonl');
  writeFileSync(gf, gold.map((g) => JSON.stringify(g)).join('\n') + '\n');
  writeFileSync(pf, pred.map((p) => JSON.stringify(p)).join('\n') + '\n');
  const py = JSON.parse(execFileSync('python3', [SCORE_PY, gf, pf], { encoding: 'utf8' }));

  const predById = new Map(pred.map((p) => [p.id, p]));
  const rows = gold.map((g) => {
    const p = predById.get(g.id);
    const metrics: MetricRow = { ...retrievalMetrics(p?.files ?? [], g.gold_files) };
    if (p) {
      metrics.answer_token_f1 = tokenF1(p.answer, g.reference_answer);
      Object.assign(metrics, citationMetrics(p.citations as Span[], g.gold_files, g.gold_lines as Span[] | undefined));
    }
    return { group: g.corpus, metrics };
  });
  const ours = aggregate(rows);
  assert.deepEqual(Object.keys(ours), Object.keys(py));
  for (const [scope, s] of Object.entries(ours)) {
    assert.equal(s.n, py[scope].n);
    for (const [k, v] of Object.entries(s.mean)) {
      assert.equal(Math.round(v * 1e4) / 1e4, py[scope][k], `${scope}.${k}`);
      if (s.count[k] !== s.n) assert.equal(s.count[k], py[scope][`${k}_n`], `${scope}.${k}_n`);
    }
    const pyKeys = Object.keys(py[scope]).filter((k) => k !== 'n' && !k.endsWith('_n'));
    assert.deepEqual(pyKeys.sort(), Object.keys(s.mean).sort());
  }
});

test('an abstention is no answer: F1 and EM 0 whatever its message says; its listed sources are still scored', () => {
  const q = {
    set: 'sweqa' as const, id: 'x-1', corpus: 'x', question: 'How are sessions signed?',
    goldFiles: ['flask/sessions.py'], referenceAnswer: 'Sessions are signed in flask/sessions.py by the session interface.',
  };
  const message = 'The code that answers this was not found in the index.\nNearest memories:\n[1] flask/sessions.py:10-20 SessionInterface';
  const cited: Span[] = [['flask/sessions.py', 10, 20]];
  const abstained = scoreAnswer(q, message, cited, { abstained: true });
  assert.equal(abstained.metrics.answer_token_f1, 0);
  assert.equal(abstained.metrics.exact_match, 0);
  assert.equal(abstained.metrics.citation_file_hit, 1);
  assert.equal(abstained.metrics.abstained, 1);
  const answered = scoreAnswer(q, message, cited, { abstained: false });
  assert.ok(answered.metrics.answer_token_f1! > 0, 'the same text as an answer is scored');
});

test('first name in the reference: the identifier of the first quoted span, as a whole word of the reference', () => {
  const ref = 'The `open_resource` method of Flask joins root_path with the resource; see app.py and json.dumps.';
  assert.equal(firstNameInReference('`Flask.open_resource` in `app.py` [1].', ref), 1, 'the last part of a chain');
  assert.equal(firstNameInReference('`open_resource(resource, mode)` [1].', ref), 1, 'the name of a call');
  assert.equal(firstNameInReference('`app.py` [1].', ref), 1, 'a file name without its extension');
  assert.equal(firstNameInReference('`src/flask/app.py` [1].', ref), 1, 'a path: its file name');
  assert.equal(firstNameInReference('`json.dumps` [1].', ref), 1);
  assert.equal(firstNameInReference('`None` in `app.py` [1].', ref), 0, 'only the first span counts');
  assert.equal(firstNameInReference('`open` [1].', ref), 0, 'a whole word, not a piece of open_resource');
  assert.equal(firstNameInReference('`root` [1].', ref), 0, 'nor of root_path');
  assert.equal(firstNameInReference('It is not found.', ref), null, 'no span: not counted');
  assert.equal(firstNameInReference('`", "` [1].', ref), 0);
});
