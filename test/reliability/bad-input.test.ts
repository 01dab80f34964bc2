/**
 * Bad input, each a test with a clear outcome and nothing lost: hostile files in one workspace next to an ordinary
 * file (which must still be indexed and found), then hostile questions. Real engine, store and bundle.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type ClaraEngine, openEngineWithBundle } from '../../extension/engine/clara-engine';
import type { IndexState, IndexSummary } from '../../extension/engine/engine-api';
import type { ModelBundle } from '../../extension/engine/engine-parts';
import { loadBundle } from '../../extension/engine/model/load-bundle';
import { bundleUnderTest } from '../bundle/bundle-under-test';
import { FixtureRepo, tempDir } from '../fixtures/fixture-repo';

const GOOD = 'src/good.py';
const GOOD_TEXT = 'def reconcile_ledger(entries):\n    """Sums the ledger entries and checks the balance."""\n    return sum(entries)\n';

/** 50 MB of minified JavaScript on one line (written in pieces, never held twice). */
function writeMinified(file: string, megabytes: number): void {
  const piece = Buffer.from('var a=function(b){return b*2};'.repeat(33_000)); // ~1 MB
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, '');
  const { appendFileSync } = require('node:fs') as typeof import('node:fs');
  for (let i = 0; i < megabytes; i++) appendFileSync(file, piece);
}

const LONG_DIR = Array.from({ length: 14 }, (_, i) => `d${i}_${'x'.repeat(200)}`).join('/'); // ~2,900 characters
const LONG_NAME = `${'n'.repeat(240)}.py`; // close to NAME_MAX (255 bytes)
const UNICODE = ['src/日本語/ファイル.py', 'src/émoji_😀/naïve café.ts', 'src/עברית/קובץ.js', 'src/combining/e\u0301t\u0301e\u0301.py'];

let bundle: ModelBundle;
let engine: ClaraEngine;
let repo: FixtureRepo;
let summary: IndexSummary;
let state: IndexState;
const cleanups: Array<() => unknown> = [];

before(async () => {
  bundle = await loadBundle(bundleUnderTest(), { executionProvider: 'cpu' });
  const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('def utf16_marker_function():\n    return "sixteen"\n', 'utf16le')]);
  const invalidUtf8 = Buffer.alloc(4096);
  for (let i = 0; i < invalidUtf8.length; i++) invalidUtf8[i] = i % 3 === 0 ? 0x41 : 0xc3 + (i % 2) * 0x3c; // broken sequences
  const binary = Buffer.alloc(20_000);
  for (let i = 0; i < binary.length; i++) binary[i] = (i * 131 + 7) & 0xff;
  repo = new FixtureRepo({
    [GOOD]: GOOD_TEXT,
    'src/binary_with_ts_ext.ts': binary,
    'src/invalid_utf8.py': invalidUtf8,
    'src/utf16_bom.py': utf16,
    'src/nul_bytes.py': Buffer.concat([Buffer.from('def f():\n    return 1\n'), Buffer.from([0, 0, 0]), Buffer.from('x = 2\n')]),
    'src/empty.py': '',
    'src/empty.ts': '',
    'src/one_10mb_line.txt': 'y'.repeat(10 * 1024 * 1024),
    'src/two_hundred_k_lines.py': Array.from({ length: 200_000 }, (_, i) => (i % 1000 === 0 ? `def block_${i}():` : '    pass')).join('\n'),
    // Nesting that makes a recursive parser or outline walk overflow its stack.
    'src/deep_brackets.js': `const deep = ${'['.repeat(50_000)}${']'.repeat(50_000)};\n`,
    'src/deep_parens.py': `x = ${'('.repeat(20_000)}1${')'.repeat(20_000)}\n`,
    'src/deep_blocks.ts': `${'function f() {\n'.repeat(3_000)}${'}\n'.repeat(3_000)}`,
    'src/deep_classes.py': Array.from({ length: 90 }, (_, i) => `${'    '.repeat(i)}class C${i}:`).join('\n') + `\n${'    '.repeat(90)}pass\n`,
    [`${LONG_DIR}/${LONG_NAME}`]: 'def far_away_function():\n    return "deep path"\n',
    ...Object.fromEntries(UNICODE.map((p, i) => [p, `def unicode_name_${i}():\n    return ${i}\n`])),
  }, 'clara-badinput-');
  cleanups.push(() => repo.dispose());
  writeMinified(repo.abs('src/minified_50mb.js'), 50);
  const store = tempDir();
  cleanups.push(store.dispose);
  // Raised size limit, so that the 10 MB, 50 MB and 200k-line files are really read and judged by their content.
  engine = await openEngineWithBundle({ root: repo.root, storeDir: store.dir, maxFileSizeBytes: 64 * 1024 * 1024, lexicalFusion: true }, bundle);
  summary = await engine.index();
  state = await engine.state();
});
after(async () => {
  await engine?.close();
  for (const c of cleanups.reverse()) await c();
  await bundle?.close();
});

function skipReason(p: string): string | undefined {
  return state.skipped.find((s) => s.path === p)?.reason;
}

async function chunksOf(p: string): Promise<number> {
  return (await engine.store.allChunks()).filter((c) => c.path === p).length;
}

describe('bad input: files', () => {
  it('the ordinary file next to them is indexed and found', async () => {
    console.log(`[bad-input] summary ${JSON.stringify(summary)}; skipped: ${state.skipped.map((s) => `${s.path.slice(0, 60)} (${s.reason})`).join('; ')}`);
    assert.ok(await chunksOf(GOOD) >= 1);
    const hits = await engine.search('reconcile_ledger sums the ledger entries', 50);
    assert.ok(hits.some((h) => h.path === GOOD), 'the ordinary file is retrievable');
  });

  it('binary content with a text extension, NUL bytes, invalid UTF-8: skipped with the reason', () => {
    assert.match(skipReason('src/binary_with_ts_ext.ts') ?? '', /binary content|not UTF-8/);
    assert.match(skipReason('src/nul_bytes.py') ?? '', /binary content \(NUL/);
    assert.match(skipReason('src/invalid_utf8.py') ?? '', /not UTF-8 text/);
  });

  it('UTF-16 with a BOM is decoded and indexed', async () => {
    assert.equal(skipReason('src/utf16_bom.py'), undefined);
    const chunk = (await engine.store.allChunks()).find((c) => c.path === 'src/utf16_bom.py');
    assert.equal(chunk?.symbol, 'utf16_marker_function');
  });

  it('a 50 MB minified one-liner and a 10 MB single line: skipped as minified, not chunked', async () => {
    assert.match(skipReason('src/minified_50mb.js') ?? '', /minified or generated/);
    assert.match(skipReason('src/one_10mb_line.txt') ?? '', /minified or generated/);
    assert.equal(await chunksOf('src/minified_50mb.js'), 0);
  });

  it('with the default size limit the same files are skipped by size, unread', async () => {
    const store = tempDir();
    cleanups.push(store.dispose);
    const small = await openEngineWithBundle({ root: repo.root, storeDir: store.dir }, bundle);
    cleanups.push(() => small.close());
    await small.index();
    const skipped = (await small.state()).skipped;
    assert.match(skipped.find((s) => s.path === 'src/minified_50mb.js')?.reason ?? '', /larger than/);
    assert.match(skipped.find((s) => s.path === 'src/one_10mb_line.txt')?.reason ?? '', /larger than/);
  });

  it('a 200,000-line file is chunked whole, with citations inside the file', async () => {
    const chunks = (await engine.store.allChunks()).filter((c) => c.path === 'src/two_hundred_k_lines.py');
    assert.ok(chunks.length > 1);
    assert.ok(chunks.every((c) => c.startLine >= 1 && c.endLine <= 200_000 && c.startLine <= c.endLine));
    assert.equal(Math.max(...chunks.map((c) => c.endLine)), 200_000, 'the last line is covered');
  });

  it('deeply nested syntax neither crashes nor hangs: each file is indexed (line windows) or skipped with a reason', async () => {
    for (const p of ['src/deep_brackets.js', 'src/deep_parens.py', 'src/deep_blocks.ts', 'src/deep_classes.py']) {
      const n = await chunksOf(p);
      const why = skipReason(p);
      assert.ok(n > 0 || (why !== undefined && why.length > 0), `${p}: neither indexed nor skipped with a reason`);
    }
  });

  it('empty files: recorded, no chunks, no error', async () => {
    const records = await engine.store.fileRecords();
    for (const p of ['src/empty.py', 'src/empty.ts']) {
      assert.ok(records.has(p), `${p} has no record`);
      assert.equal(await chunksOf(p), 0);
    }
  });

  it('very long paths and non-ASCII names: indexed under their exact names, cited by them', async () => {
    const paths = new Set((await engine.store.allChunks()).map((c) => c.path));
    const odd = [...paths].filter((p) => p.length > 200 || /[^\x00-\x7f]/.test(p));
    assert.ok(paths.has(`${LONG_DIR}/${LONG_NAME}`), `the ~3,100-character path is indexed (found ${odd.map((p) => p.slice(0, 40))})`);
    for (const p of UNICODE) assert.ok(paths.has(p), `${p} is indexed under its exact name (found ${odd.map((p) => p.slice(0, 40))})`);
    const hits = await engine.search('unicode_name_1', 50);
    assert.ok(hits.some((h) => UNICODE.includes(h.path)));
  });

  it('a second run over the same hostile tree does nothing and loses nothing', async () => {
    const before = await engine.store.allChunks();
    const again = await engine.index();
    assert.deepEqual([again.filesIndexed, again.chunksCompressed, again.filesRemoved], [0, 0, 0]);
    assert.equal((await engine.store.allChunks()).length, before.length);
  });
});

describe('bad input: questions', () => {
  it('an empty or blank question is refused with a clear message (ask and search)', async () => {
    for (const q of ['', '   ', '\n\t']) {
      await assert.rejects(engine.ask(q), /question is empty/);
      await assert.rejects(engine.search(q), /question is empty/);
    }
  });

  it('a question made only of control characters is refused like an empty one', async () => {
    const q = '\u0000\u0001\u0007\u001b\u007f\u0085';
    await assert.rejects(engine.ask(q), /question is empty/);
    await assert.rejects(engine.search(q), /question is empty/);
  });

  it('control characters inside a real question are dropped; it is answered like the clean one', async () => {
    const dirty = await engine.search('reconcile\u0000_ledger\u001b sums\u0007 the ledger entries', 5);
    const clean = await engine.search('reconcile_ledger sums the ledger entries', 5);
    assert.deepEqual(dirty.map((h) => h.chunkId), clean.map((h) => h.chunkId));
    const answer = await engine.ask('what does \u0001reconcile_ledger\u0002 do?');
    assert.equal(typeof answer.answer, 'string');
  });

  it('a 100 KB question is answered (cut to the query budget), not refused or crashed', async () => {
    const long = `what does reconcile_ledger do? ${'please explain in detail '.repeat(4_200)}`;
    assert.ok(long.length > 100_000);
    const hits = await engine.search(long, 3);
    assert.equal(hits.length, 3);
    const answer = await engine.ask(long);
    assert.ok(answer.retrieved.length > 0);
    assert.equal(typeof answer.answer, 'string');
  });
});
