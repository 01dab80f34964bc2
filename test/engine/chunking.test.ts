/**
 * Chunking with tree-sitter and the real bundle tokenizer: per language, a chunk follows its definition (symbol and
 * lines), and every chunk's compressor input fits doc_max_tokens as the bundle's tokenizer counts it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Chunk, type ChunkBudget, chunkFile, formatDoc } from '../../extension/engine/chunking/chunk-file';
import type { ModelBundle } from '../../extension/engine/engine-parts';
import { loadBundle } from '../../extension/engine/model/load-bundle';
import { bundleUnderTest } from '../bundle/bundle-under-test';

interface LanguageCase {
  path: string;
  language: string;
  /** Builds the file from a statement generator; the test sizes bodies so that each definition is its own chunk. */
  source: (body: (indent: string) => string) => string;
  stmt: (i: number) => string;
  /** [line text that opens the definition, expected symbol of the chunk holding its body]. */
  expect: [string, string][];
}

const c = (i: number) => `int x${i} = key * ${i} + ${i};`;
const CASES: LanguageCase[] = [
  {
    path: 'src/store.py', language: 'python', stmt: (i) => `x${i} = key * ${i} + ${i}`,
    source: (b) => `import os\n\nclass Store:\n    @staticmethod\n    def put(key):\n${b('        ')}\n    def get(self, key):\n${b('        ')}\n\ndef helper(key):\n${b('    ')}\n`,
    expect: [['    def put(key):', 'Store.put'], ['    def get(self, key):', 'Store.get'], ['def helper(key):', 'helper']],
  },
  {
    path: 'src/store.ts', language: 'typescript', stmt: (i) => `const x${i} = key * ${i} + ${i};`,
    source: (b) => `export class Store {\n  put(key: number): void {\n${b('    ')}\n  }\n  get(key: number): void {\n${b('    ')}\n  }\n}\n\nexport function helper(key: number): void {\n${b('  ')}\n}\n`,
    expect: [['  put(key: number): void {', 'Store.put'], ['  get(key: number): void {', 'Store.get'], ['export function helper(key: number): void {', 'helper']],
  },
  {
    path: 'src/view.tsx', language: 'tsx', stmt: (i) => `const x${i} = key * ${i} + ${i};`,
    source: (b) => `export class Store {\n  put(key: number) {\n${b('    ')}\n    return <div>{key}</div>;\n  }\n  get(key: number) {\n${b('    ')}\n  }\n}\n\nexport const helper = (key: number) => {\n${b('  ')}\n  return <span>{key}</span>;\n};\n`,
    expect: [['  put(key: number) {', 'Store.put'], ['  get(key: number) {', 'Store.get'], ['export const helper = (key: number) => {', 'helper']],
  },
  {
    path: 'lib/store.js', language: 'javascript', stmt: (i) => `const x${i} = key * ${i} + ${i};`,
    source: (b) => `class Store {\n  put(key) {\n${b('    ')}\n  }\n  get(key) {\n${b('    ')}\n  }\n}\n\nfunction helper(key) {\n${b('  ')}\n}\nmodule.exports = { Store, helper };\n`,
    expect: [['  put(key) {', 'Store.put'], ['  get(key) {', 'Store.get'], ['function helper(key) {', 'helper']],
  },
  {
    path: 'store.go', language: 'go', stmt: (i) => `x${i} := key * ${i} + ${i}`,
    source: (b) => `package store\n\ntype Store struct{}\n\nfunc (s *Store) Put(key int) {\n${b('\t')}\n}\n\nfunc (s Store) Get(key int) {\n${b('\t')}\n}\n\nfunc Helper(key int) {\n${b('\t')}\n}\n`,
    expect: [['func (s *Store) Put(key int) {', 'Store.Put'], ['func (s Store) Get(key int) {', 'Store.Get'], ['func Helper(key int) {', 'Helper']],
  },
  {
    path: 'src/Store.java', language: 'java', stmt: c,
    // Util is small enough to be one chunk, named after the class.
    source: (b) => `public class Store {\n  public void put(int key) {\n${b('    ')}\n  }\n  public void get(int key) {\n${b('    ')}\n  }\n}\n\nclass Util {\n  static void helper(int key) {\n${b('    ')}\n  }\n}\n`,
    expect: [['  public void put(int key) {', 'Store.put'], ['  public void get(int key) {', 'Store.get'], ['  static void helper(int key) {', 'Util']],
  },
  {
    path: 'src/store.rs', language: 'rust', stmt: (i) => `let x${i} = key * ${i} + ${i};`,
    source: (b) => `pub struct Store;\n\nimpl Store {\n    pub fn put(&self, key: i32) {\n${b('        ')}\n    }\n    pub fn get(&self, key: i32) {\n${b('        ')}\n    }\n}\n\nfn helper(key: i32) {\n${b('    ')}\n}\n`,
    expect: [['    pub fn put(&self, key: i32) {', 'Store.put'], ['    pub fn get(&self, key: i32) {', 'Store.get'], ['fn helper(key: i32) {', 'helper']],
  },
  {
    path: 'src/store.c', language: 'c', stmt: c,
    source: (b) => `#include <stdio.h>\n\nstruct store { int size; };\n\nstatic void put(int key) {\n${b('  ')}\n}\n\nvoid *get(int key) {\n${b('  ')}\n  return 0;\n}\n\nint helper(int key) {\n${b('  ')}\n  return 0;\n}\n`,
    expect: [['static void put(int key) {', 'put'], ['void *get(int key) {', 'get'], ['int helper(int key) {', 'helper']],
  },
  {
    path: 'src/store.cpp', language: 'cpp', stmt: c,
    source: (b) => `namespace app {\nclass Store {\n public:\n  void put(int key) {\n${b('    ')}\n  }\n  void get(int key) {\n${b('    ')}\n  }\n};\n}\n\nint helper(int key) {\n${b('  ')}\n  return 0;\n}\n`,
    expect: [['  void put(int key) {', 'app.Store.put'], ['  void get(int key) {', 'app.Store.get'], ['int helper(int key) {', 'helper']],
  },
  {
    path: 'src/Store.cs', language: 'csharp', stmt: c,
    source: (b) => `namespace App {\n  public class Store {\n    public void Put(int key) {\n${b('      ')}\n    }\n    public void Get(int key) {\n${b('      ')}\n    }\n  }\n\n  static class Util {\n    static void Helper(int key) {\n${b('      ')}\n    }\n  }\n}\n`,
    expect: [['    public void Put(int key) {', 'App.Store.Put'], ['    public void Get(int key) {', 'App.Store.Get'], ['    static void Helper(int key) {', 'App.Util']],
  },
  {
    path: 'lib/store.rb', language: 'ruby', stmt: (i) => `x${i} = key * ${i} + ${i}`,
    source: (b) => `class Store\n  def put(key)\n${b('    ')}\n  end\n\n  def get(key)\n${b('    ')}\n  end\nend\n\ndef helper(key)\n${b('  ')}\nend\n`,
    expect: [['  def put(key)', 'Store.put'], ['  def get(key)', 'Store.get'], ['def helper(key)', 'helper']],
  },
  {
    path: 'src/Store.php', language: 'php', stmt: (i) => `$x${i} = $key * ${i} + ${i};`,
    source: (b) => `<?php\nclass Store {\n  public function put($key) {\n${b('    ')}\n  }\n  public function get($key) {\n${b('    ')}\n  }\n}\n\nfunction helper($key) {\n${b('  ')}\n}\n`,
    expect: [['  public function put($key) {', 'Store.put'], ['  public function get($key) {', 'Store.get'], ['function helper($key) {', 'helper']],
  },
];

let bundle: ModelBundle;
before(async () => {
  bundle = await loadBundle(bundleUnderTest(), { executionProvider: 'cpu' });
});
after(async () => {
  await bundle?.close();
});

function bundleBudget(): ChunkBudget {
  return { tokenizer: bundle.tokenizer, docTemplate: bundle.manifest.doc_template, docMaxTokens: bundle.manifest.doc_max_tokens };
}

function assertFits(chunks: Chunk[], budget: ChunkBudget): void {
  for (const chunk of chunks) {
    const tokens = budget.tokenizer.count(formatDoc(budget.docTemplate, chunk.path, chunk.code));
    assert.ok(tokens <= budget.docMaxTokens, `${chunk.path}:${chunk.startLine}-${chunk.endLine} has ${tokens} > ${budget.docMaxTokens} tokens`);
  }
}

/** Chunks are in order, do not overlap, and together hold every non-blank line of the file. */
function assertCovers(chunks: Chunk[], text: string): void {
  const lines = text.split('\n');
  let previousEnd = 0;
  const covered = new Set<number>();
  for (const chunk of chunks) {
    assert.ok(chunk.startLine > previousEnd, `chunk ${chunk.startLine}-${chunk.endLine} overlaps line ${previousEnd}`);
    assert.ok(chunk.endLine >= chunk.startLine);
    const expected = lines.slice(chunk.startLine - 1, chunk.endLine).join('\n');
    if (chunk.code !== expected) {
      // Only a single line too long for any chunk may be cut, and then only its tail.
      assert.equal(chunk.startLine, chunk.endLine, `chunk ${chunk.startLine}-${chunk.endLine} is not its lines`);
      assert.ok(expected.startsWith(chunk.code) && chunk.code.length > 0);
    }
    for (let l = chunk.startLine; l <= chunk.endLine; l++) covered.add(l);
    previousEnd = chunk.endLine;
  }
  lines.forEach((line, i) => {
    if (line.trim() !== '') assert.ok(covered.has(i + 1), `line ${i + 1} (${line}) is in no chunk`);
  });
}

describe('chunkFile by syntax', () => {
  for (const lc of CASES) {
    it(`${lc.language}: each definition is a chunk with its qualified symbol and exact lines`, async () => {
      const statements = 10;
      const body = (indent: string) => Array.from({ length: statements }, (_, i) => indent + lc.stmt(i)).join('\n');
      const text = lc.source(body);
      const lines = text.split('\n');
      // A budget (real tokenizer, real template) where one definition (body + its few header and footer lines)
      // fits and two never do: bodies are > 80 tokens, so 1.5 bodies + 40 < 2 bodies.
      const overhead = bundle.tokenizer.count(formatDoc(bundle.manifest.doc_template, lc.path, ''));
      const bodyTokens = bundle.tokenizer.count(`${body('    ')}\n`);
      assert.ok(bodyTokens > 80, `body of ${bodyTokens} tokens is too small for this test`);
      const budget: ChunkBudget = { ...bundleBudget(), docMaxTokens: overhead + Math.ceil(bodyTokens * 1.5) + 40 };
      const chunks = await chunkFile(lc.path, text, budget);
      assertFits(chunks, budget);
      assertCovers(chunks, text);
      for (const chunk of chunks) assert.equal(chunk.language, lc.language);
      for (const [opener, symbol] of lc.expect) {
        const defLine = lines.indexOf(opener) + 1;
        assert.ok(defLine > 0, `fixture has no line "${opener}"`);
        const bodyLine = defLine + statements; // the last statement of its body
        const holder = chunks.find((ch) => ch.startLine <= bodyLine && bodyLine <= ch.endLine);
        assert.ok(holder, `no chunk holds line ${bodyLine}`);
        assert.equal(holder.symbol, symbol, `line ${bodyLine} of ${lc.path}`);
        assert.ok(holder.startLine <= defLine, `${symbol} chunk starts at ${holder.startLine}, after its definition line ${defLine}`);
      }
    });
  }

  it('does not name a long import block or class docstring after the definition below it', async () => {
    const imports = Array.from({ length: 30 }, (_, i) => `from package_${i}.module import name_${i}`).join('\n');
    const docstring = Array.from({ length: 30 }, (_, i) => `    Paragraph ${i} of the class documentation explains usage.`).join('\n');
    const method = Array.from({ length: 30 }, (_, i) => `        total = total + ${i}`).join('\n');
    const text = `${imports}\n\nclass Ledger:\n    """\n${docstring}\n    """\n\n    def total(self):\n        total = 0\n${method}\n        return total\n`;
    const chunks = await chunkFile('ledger.py', text, bundleBudget());
    assertFits(chunks, bundleBudget());
    assertCovers(chunks, text);
    assert.equal(chunks[0].symbol, null, 'the import block belongs to no definition');
    const docLine = text.split('\n').findIndex((l) => l.includes('Paragraph 15')) + 1;
    assert.equal(chunks.find((c) => c.startLine <= docLine && docLine <= c.endLine)?.symbol, 'Ledger');
    const bodyLine = text.split('\n').findIndex((l) => l.includes('total = total + 29')) + 1;
    assert.equal(chunks.find((c) => c.startLine <= bodyLine && bodyLine <= c.endLine)?.symbol, 'Ledger.total');
  });

  it('packs small neighbouring definitions into one chunk', async () => {
    const text = 'def a():\n    return 1\n\ndef b():\n    return 2\n\ndef c():\n    return 3\n';
    const chunks = await chunkFile('small.py', text, bundleBudget());
    assert.equal(chunks.length, 1);
    assert.deepEqual([chunks[0].startLine, chunks[0].endLine, chunks[0].symbol], [1, 8, 'a']);
  });
});

describe('chunkFile budget and guards (bundle doc_max_tokens, bundle tokenizer)', () => {
  it('keeps every chunk of a large file within doc_max_tokens', async () => {
    const parts: string[] = [];
    for (let f = 0; f < 40; f++) {
      parts.push(`export function handler${f}(request: Request, response: Response): Promise<void> {`);
      for (let i = 0; i < 3 + (f % 7) * 6; i++) parts.push(`  const value${i} = await request.json(); // step ${i} of handler ${f}: ${'ünïcödé ✓ '.repeat(f % 3)}`);
      parts.push('  return response.end();', '}', '');
    }
    const text = parts.join('\n');
    const budget = bundleBudget();
    const chunks = await chunkFile('src/handlers.ts', text, budget);
    assertFits(chunks, budget);
    assertCovers(chunks, text);
    assert.ok(chunks.some((ch) => ch.symbol === 'handler39'));
  });

  it('cuts one line too long for a chunk instead of failing, and windows plain text', async () => {
    const long = `const table = [${Array.from({ length: 600 }, (_, i) => i * 7919 % 1000).join(', ')}];`;
    const budget = bundleBudget();
    const chunks = await chunkFile('data.js', `${long}\n`, budget);
    assert.equal(chunks.length, 1);
    assert.equal(chunks[0].startLine, 1);
    assert.ok(long.startsWith(chunks[0].code) && chunks[0].code.length < long.length);
    assert.ok(budget.tokenizer.count(formatDoc(budget.docTemplate, 'data.js', chunks[0].code)) <= budget.docMaxTokens);
    const prose = Array.from({ length: 120 }, (_, i) => `Line ${i} of the operations guide explains step ${i}.`).join('\n');
    const textChunks = await chunkFile('docs/guide.md', prose, budget);
    assert.ok(textChunks.length > 1);
    assertFits(textChunks, budget);
    assertCovers(textChunks, prose);
    assert.ok(textChunks.every((ch) => ch.symbol === null && ch.language === 'markdown'));
  });

  it('survives pathological nesting without a stack overflow', async () => {
    const depth = 3_000;
    const js = `const deep = ${'['.repeat(depth)}1${']'.repeat(depth)};\nfunction after() { return 1; }\n`;
    const jsChunks = await chunkFile('deep.js', js, bundleBudget());
    assert.ok(jsChunks.length >= 1);
    const py = Array.from({ length: 200 }, (_, i) => `${'    '.repeat(i)}def f${i}():`).join('\n') + `\n${'    '.repeat(200)}pass\n`;
    const pyChunks = await chunkFile('deep.py', py, bundleBudget());
    assertFits(pyChunks, bundleBudget());
    assertCovers(pyChunks, py);
  });

  it('gives identical code the same content hash whatever its path', async () => {
    const text = 'def same():\n    return 42\n';
    const [a] = await chunkFile('a/x.py', text, bundleBudget());
    const [b] = await chunkFile('b/y.py', text, bundleBudget());
    assert.equal(a.contentHash, b.contentHash);
  });
});
