/**
 * The built CLI (dist/cli.js, from `npm run build`) as a child process on a fixture repository the test writes:
 * index → search --json → ask --json → status --json, usage errors and bad bundles. Real store, real bundle.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { nonFiniteToNull } from '../../extension/engine/model/manifest-check';
import { cudaSupport } from '../../extension/engine/model/onnx-runtime';
import { bundleUnderTest } from '../bundle/bundle-under-test';

const CLI = path.resolve(__dirname, '..', '..', 'dist', 'cli.js');
const bundle = bundleUnderTest();

function clara(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { maxBuffer: 16 * 1024 * 1024, env: { ...process.env, CLARA_THREADS: '2' } }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const FILES: Record<string, string> = {
  'src/stack.py': 'class Stack:\n    """A last-in first-out stack."""\n\n    def __init__(self):\n        self.items = []\n\n    def push(self, item):\n        """Put an item on top."""\n        self.items.append(item)\n\n    def pop(self):\n        """Take the top item off."""\n        return self.items.pop()\n',
  'src/slug.ts': "/** Turns a title into a URL slug. */\nexport function slugify(title: string): string {\n  return title.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');\n}\n",
  'src/config.js': "const fs = require('fs');\n\n/** Reads the JSON configuration file at path. */\nfunction loadConfig(path) {\n  return JSON.parse(fs.readFileSync(path, 'utf8'));\n}\n\nmodule.exports = { loadConfig };\n",
  '.env': 'API_KEY=do-not-index\n',
};

function assertRealLines(root: string, p: { path: string; startLine: number; endLine: number }): void {
  const file = path.join(root, p.path);
  assert.ok(existsSync(file), `${p.path} is not a file of the fixture`);
  const lines = readFileSync(file, 'utf8').split('\n').length;
  assert.ok(p.startLine >= 1 && p.startLine <= p.endLine && p.endLine <= lines, `${p.path}:${p.startLine}-${p.endLine} outside 1-${lines}`);
}

function assertHitShape(h: Record<string, unknown>): void {
  assert.deepEqual(Object.keys(h).sort(), ['endLine', 'path', 'rank', 'score', 'startLine', 'symbol']);
  assert.equal(typeof h.score, 'number');
  assert.ok(h.symbol === null || typeof h.symbol === 'string');
}

describe('clara CLI', () => {
  let root: string;

  before(() => {
    assert.ok(existsSync(CLI), `${CLI} is missing: run npm run build`);
    root = mkdtempSync(path.join(tmpdir(), 'clara-cli-'));
    for (const [rel, text] of Object.entries(FILES)) {
      mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
      writeFileSync(path.join(root, rel), text);
    }
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('index: exit 0, a summary on stdout, progress on stderr, the store in <dir>/.clara', async () => {
    const r = await clara(['index', root, '--bundle', bundle]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /files: 3 indexed/);
    assert.match(r.stderr, /done 3\/3 files/);
    assert.ok(existsSync(path.join(root, '.clara')));
  });

  it('search --json: ranked results pointing at real lines of real files', async () => {
    const r = await clara(['search', root, 'where is the slug of a title made', '--json', '--top-k', '3', '--bundle', bundle]);
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as { results: Array<Record<string, any>> };
    assert.deepEqual(Object.keys(doc), ['results']);
    assert.equal(doc.results.length, 3);
    doc.results.forEach((h, i) => {
      assertHitShape(h);
      assert.equal(h.rank, i + 1);
      assertRealLines(root, h as any);
      assert.notEqual(h.path, '.env');
    });
  });

  it('ask --json: answer, citations into retrieved blocks at real lines, timings and model', async () => {
    const r = await clara(['ask', root, 'How does the stack push an item?', '--json', '--bundle', bundle, '--provider', 'cpu']);
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout);
    assert.deepEqual(Object.keys(doc), ['answer', 'citations', 'retrieved', 'abstained', 'foundByName', 'timings', 'model']);
    assert.equal(typeof doc.answer, 'string');
    assert.equal(typeof doc.abstained, 'boolean');
    assert.deepEqual(doc.foundByName, [], 'the question names no code');
    assert.ok(doc.answer.length > 0);
    assert.ok(doc.citations.length > 0, 'every answer lists its sources');
    for (const c of doc.citations) {
      assert.deepEqual(Object.keys(c).sort(), ['endLine', 'n', 'path', 'score', 'startLine', 'symbol']);
      assertRealLines(root, c);
      const block = doc.retrieved[c.n - 1];
      assert.deepEqual([block.path, block.startLine, block.endLine], [c.path, c.startLine, c.endLine]);
    }
    for (const h of doc.retrieved) { assertHitShape(h); assertRealLines(root, h); }
    for (const key of ['retrievalMs', 'firstTokenMs', 'generationMs', 'totalMs', 'tokens']) assert.equal(typeof doc.timings[key], 'number');
    assert.deepEqual(Object.keys(doc.model), ['name', 'version', 'executionProvider']);
    assert.equal(doc.model.executionProvider, 'cpu');
  });

  it('ask (human): the answer, then Sources with [n] path:start-end', async () => {
    const r = await clara(['ask', root, 'How is the configuration file loaded?', '--bundle', bundle, '--top-k', '2']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /(Sources:\n(\[\d+\] \S+:\d+-\d+.*\n)+$)|(not found)/);
  });

  it('status --json: counts and skipped files with reasons', async () => {
    const r = await clara(['status', root, '--json', '--bundle', bundle]);
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(r.stdout);
    assert.equal(s.files, 3);
    assert.ok(s.chunks >= 3);
    const env = s.skipped.find((f: { path: string }) => f.path === '.env');
    assert.ok(env, `.env should be listed as skipped: ${JSON.stringify(s.skipped)}`);
    assert.equal(typeof env.reason, 'string');
  });

  it('usage errors exit with 2 and say what is wrong', async () => {
    const cases: Array<[string[], RegExp]> = [
      [[], /Usage:/],
      [['frobnicate'], /unknown command 'frobnicate'/],
      [['search', root], /expected <dir> and one quoted/],
      [['search', root, 'q', '--top-k', 'many'], /--top-k must be a whole number/],
      [['ask', root, 'q', '--provider', 'tpu'], /--provider must be one of auto\|cpu\|cuda/],
      [['ask', root, 'q', '--colour'], /unknown option --colour/],
      [['ask', root, ' \t '], /question is empty/],
      [['index', path.join(root, 'no-such-dir')], /is not a folder/],
    ];
    for (const [args, pattern] of cases) {
      const r = await clara(args);
      assert.equal(r.code, 2, `clara ${args.join(' ')} → ${r.code}: ${r.stderr}`);
      assert.match(r.stdout + r.stderr, pattern);
    }
  });

  it('without --bundle, the built CLI finds models/default.json from dist/ and loads that bundle', async () => {
    const repo = path.resolve(__dirname, '..', '..');
    const name = JSON.parse(readFileSync(path.join(repo, 'models', 'default.json'), 'utf8')).bundle;
    const manifest = JSON.parse(nonFiniteToNull(readFileSync(path.join(repo, 'models', name, 'manifest.json'), 'utf8')));
    const other = mkdtempSync(path.join(tmpdir(), 'clara-cli-default-'));
    try {
      writeFileSync(path.join(other, 'hello.py'), 'def hello():\n    return "hi"\n');
      const r = await clara(['status', other, '--json', '--provider', 'cpu']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(JSON.parse(r.stdout).model.name, manifest.name);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it('--provider cuda without the CUDA provider installed exits with 1 and says how to install it', { skip: cudaSupport().available && 'CUDA is installed here' }, async () => {
    const r = await clara(['search', root, 'stack', '--provider', 'cuda', '--bundle', bundle]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /CUDA execution provider requested, but .*docs\/CLI\.md/);
  });

  it('a broken bundle exits with 1 and names the file', async () => {
    const r = await clara(['search', root, 'stack', '--bundle', path.join(root, 'src')]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`${path.join(root, 'src', 'manifest.json').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: missing`));
  });
});
