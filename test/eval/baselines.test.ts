import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { scratchDir } from '../fixtures/fixture-repo';
import { Bm25Index, codeTokens } from '../../extension/engine/eval/bm25-baseline';
import { ChunkTextReader } from '../../extension/engine/chunking/chunk-text-reader';
import { docstringOf, extractiveAnswer } from '../../extension/engine/eval/chunk-text';

test('code tokens keep identifiers whole and split snake and camel case', () => {
  assert.deepEqual(codeTokens('getURLField(max_len=3)'),
    ['getURLField', 'get', 'URL', 'Field', 'max_len', 'max', 'len', '3']);
});

function corpus(): string {
  const root = scratchDir('clara-bm25-');
  mkdirSync(join(root, 'pkg'));
  writeFileSync(join(root, 'pkg/session.py'), [
    'class Session:',
    '    """A persistent HTTP session with cookie handling."""',
    '    def send(self, request):',
    '        return self.adapter.send(request)',
    '',
    'def merge_cookies(jar, cookies):',
    '    # Merge cookies into the jar.',
    '    jar.update(cookies)',
  ].join('\n'));
  writeFileSync(join(root, 'pkg/url.py'), [
    'def parse_url(url):',
    '    """Split a URL into scheme, host and path."""',
    '    return url.split("/")',
  ].join('\n'));
  return root;
}

test('BM25 ranks the chunk that shares the query terms first, reading text from disk by lines', () => {
  const root = corpus();
  const chunks = [
    { path: 'pkg/session.py', startLine: 1, endLine: 4 },
    { path: 'pkg/session.py', startLine: 6, endLine: 8 },
    { path: 'pkg/url.py', startLine: 1, endLine: 3 },
  ];
  const bm = Bm25Index.build(root, chunks);
  assert.equal(bm.size, 3);
  const hits = bm.query('how are cookies merged into the cookie jar', 3);
  assert.deepEqual([hits[0].path, hits[0].startLine], ['pkg/session.py', 6]);
  assert.ok(hits[0].score > (hits[1]?.score ?? 0));
  assert.equal(bm.query('parseUrl scheme', 1)[0].path, 'pkg/url.py');
  assert.deepEqual(bm.query('zzzz', 5), []);
  assert.ok(bm.serialisedBytes() > 0);
});

test('chunk reader returns the inclusive line range and tolerates a vanished file', () => {
  const root = corpus();
  const r = new ChunkTextReader(root);
  assert.equal(r.read({ path: 'pkg/url.py', startLine: 2, endLine: 3 }),
    '    """Split a URL into scheme, host and path."""\n    return url.split("/")');
  assert.equal(r.read({ path: 'gone.py', startLine: 1, endLine: 3 }), '');
  // A path that leaves the root reads nothing, whatever a store says.
  const outside = scratchDir('clara-outside-');
  writeFileSync(join(outside, 'secret.py'), 'TOKEN = 1\n');
  assert.equal(r.read({ path: relative(root, join(outside, 'secret.py')), startLine: 1, endLine: 1 }), '');
  assert.equal(r.read({ path: join(outside, 'secret.py'), startLine: 1, endLine: 1 }), '');
  assert.equal(r.read({ path: join(root, 'pkg/url.py'), startLine: 2, endLine: 2 }), '    """Split a URL into scheme, host and path."""');
});

test('extractive answer: docstring, comment block, else first lines', () => {
  assert.equal(docstringOf('def f():\n    """Do the thing.\n\n    More."""\n    pass'), 'Do the thing.\n\n    More.');
  assert.equal(docstringOf('/**\n * Adds two numbers.\n */\nfunction add(a, b) {}'), 'Adds two numbers.');
  assert.equal(docstringOf('# Merge cookies.\n# Quickly.\ndef m(): pass'), 'Merge cookies.\nQuickly.');
  assert.equal(docstringOf('#!/usr/bin/env python\nx = 1'), null);
  // A string far below the head is not the chunk's docstring.
  assert.equal(docstringOf(['x = 1', ...Array(10).fill('y = 2'), 's = """late"""'].join('\n')), null);
  assert.equal(extractiveAnswer('\n\nx = 1\ny = 2\n', 1), 'x = 1');
});
