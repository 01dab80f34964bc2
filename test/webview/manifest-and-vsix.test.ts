/**
 * package.json's contributions agree with the code that implements them (command table, settings getters, view
 * ids, icons), and the VSIX that extension/shell/package-vsix.mjs builds carries what the extension needs on
 * linux-x64 and nothing of other platforms, sources or dev tooling. The VSIX is read from its zip central directory.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';

const root = path.resolve(__dirname, '..', '..');
const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const source = (rel: string) => readFileSync(path.join(root, rel), 'utf8');

test('every command of the table is contributed with a CLaRa title, and nothing else is', () => {
  const table = [...source('extension/commands.ts').matchAll(/^\s+'(clara\.[A-Za-z]+)':/gm)].map((m) => m[1]).sort();
  const contributed = manifest.contributes.commands.map((c: { command: string }) => c.command).sort();
  assert.deepEqual(table, contributed);
  const titles = Object.fromEntries(manifest.contributes.commands.map((c: { command: string; category: string; title: string }) => [c.command, `${c.category}: ${c.title}`]));
  assert.deepEqual(titles, {
    'clara.ask': 'CLaRa: Ask About Codebase', 'clara.reindexWorkspace': 'CLaRa: Reindex Workspace',
    'clara.reindexFile': 'CLaRa: Reindex Current File', 'clara.pauseIndexing': 'CLaRa: Pause Indexing',
    'clara.resumeIndexing': 'CLaRa: Resume Indexing', 'clara.clearIndex': 'CLaRa: Clear Index',
    'clara.showInspector': 'CLaRa: Show Inspector',
  });
  const menus = manifest.contributes.menus;
  assert.ok(menus['editor/title'].some((m: { command: string }) => m.command === 'clara.ask'), 'editor-title button');
  assert.ok(menus['view/title'].some((m: { command: string; when: string }) => m.command === 'clara.ask' && m.when === 'view == clara.inspector'), 'view-title button');
});

test('every clara.* setting has a description, a default, and a getter in config.ts', () => {
  const props = manifest.contributes.configuration.properties as Record<string, { description?: string; default?: unknown }>;
  const expected = { 'clara.topK': 5, 'clara.executionProvider': 'auto', 'clara.maxFileSizeBytes': 1048576, 'clara.lexicalFusion': true,
    'clara.pauseWhileTyping': true, 'clara.modelPath': '', 'clara.indexOnStartup': true };
  assert.deepEqual(Object.fromEntries(Object.entries(props).map(([k, v]) => [k, v.default])), expected);
  for (const [k, v] of Object.entries(props)) assert.ok((v.description ?? '').length > 20, `${k} needs a description`);
  const read = [...source('extension/config.ts').matchAll(/cfg\.get<[^>]+>\('([A-Za-z]+)'/g)].map((m) => `clara.${m[1]}`).sort();
  assert.deepEqual(read, Object.keys(expected).sort());
});

test('views, icons and trust capability are declared as the code expects', () => {
  assert.match(source('extension/inspector-view.ts'), /static readonly viewType = 'clara\.inspector'/);
  assert.deepEqual(manifest.contributes.views.clara.map((v: { id: string; type: string }) => [v.id, v.type]), [['clara.inspector', 'webview']]);
  const container = manifest.contributes.viewsContainers.activitybar[0];
  assert.equal(container.id, 'clara');
  for (const icon of [container.icon, manifest.icon, 'media/clara.svg']) assert.ok(existsSync(path.join(root, icon)), `${icon} exists`);
  assert.equal(manifest.capabilities.untrustedWorkspaces.supported, 'limited');
  assert.deepEqual(manifest.capabilities.untrustedWorkspaces.restrictedConfigurations, ['clara.modelPath']);
  assert.match(manifest.engines.vscode, /^\^1\.100\./);
});

/** File names in a zip, read from its central directory (no zip64: a VSIX is far below 4 GiB and 65,535 files). */
function zipEntries(file: string): string[] {
  const buf = readFileSync(file);
  let eocd = buf.length - 22;
  while (eocd >= 0 && buf.readUInt32LE(eocd) !== 0x06054b50) eocd--;
  assert.ok(eocd >= 0, `${file} is not a zip`);
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    assert.equal(buf.readUInt32LE(p), 0x02014b50, 'central directory entry');
    const nameLen = buf.readUInt16LE(p + 28);
    names.push(buf.toString('utf8', p + 46, p + 46 + nameLen));
    p += 46 + nameLen + buf.readUInt16LE(p + 30) + buf.readUInt16LE(p + 32);
  }
  return names;
}

test('the linux-x64 VSIX holds the runtime and only linux-x64 native code', { timeout: 300_000 }, () => {
  assert.ok(existsSync(path.join(root, 'dist', 'extension.js')), 'dist/ is built (npm run build)');
  const dir = mkdtempSync(path.join(tmpdir(), 'clara-vsix-test-'));
  try {
    const out = path.join(dir, 'test.vsix');
    execFileSync(process.execPath, [path.join(root, 'extension/shell/package-vsix.mjs'), 'linux-x64', '--out', out], { cwd: root, stdio: 'pipe' });
    const names = zipEntries(out).filter((n) => n.startsWith('extension/')).map((n) => n.slice('extension/'.length));
    const has = (p: string) => names.includes(p);
    const any = (re: RegExp) => names.filter((n) => re.test(n));
    for (const f of ['package.json', 'dist/extension.js', 'dist/engine-worker.js', 'dist/webview/chat.js', 'dist/webview/chat.css',
      'dist/webview/inspector.js', 'dist/webview/inspector.css', 'media/codicons/codicon.css', 'media/codicons/codicon.ttf',
      'media/clara-activity.svg', 'node_modules/onnxruntime-node/bin/napi-v6/linux/x64/onnxruntime_binding.node',
      'node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime.so.1', 'node_modules/@lancedb/lancedb/package.json',
      'node_modules/web-tree-sitter/tree-sitter.wasm', 'node_modules/apache-arrow/package.json']) {
      assert.ok(has(f), `the VSIX must contain ${f}`);
    }
    assert.equal(any(/^node_modules\/@lancedb\/lancedb-linux-x64-gnu\/.*\.node$/).length, 1, 'the LanceDB linux-x64 binary');
    assert.deepEqual(any(/onnxruntime-node\/bin\/napi-v6\/(darwin|win32|linux\/arm64)\//), [], 'no other platform of onnxruntime');
    assert.deepEqual(any(/^node_modules\/@lancedb\/lancedb-(?!linux-x64-gnu)/), [], 'no other platform of LanceDB');
    assert.deepEqual(any(/^node_modules\/(onnxruntime-web|@huggingface\/transformers|sharp|@img|openai|typescript|esbuild|playwright-core|@vscode\/vsce)\//), []);
    assert.deepEqual(any(/^(extension|webview|test|bench|docs|models\/training|\.venv|\.e2e|\.ci)\//), [], 'no sources, tests or training code');
    assert.deepEqual(any(/\.(map|ts)$/), [], 'no source maps or TypeScript');
    const grammars = any(/^node_modules\/tree-sitter-wasms\/out\/.*\.wasm$/).map((n) => path.basename(n, '.wasm').replace('tree-sitter-', '')).sort();
    assert.deepEqual(grammars, ['c', 'c_sharp', 'cpp', 'go', 'java', 'javascript', 'php', 'python', 'ruby', 'rust', 'tsx', 'typescript']);
    const bundle = existsSync(path.join(root, 'models', 'default.json'))
      ? (JSON.parse(source('models/default.json')) as { bundle: string }).bundle : undefined;
    if (bundle) {
      for (const f of ['manifest.json', 'tokenizer.json', 'compressor.onnx', 'query.onnx', 'generator.onnx']) {
        assert.ok(has(`models/${bundle}/${f}`), `the VSIX lacks models/${bundle}/${f}, the bundle models/default.json names`
          + (existsSync(path.join(root, 'models', bundle, f)) ? '' : ' (it is not in the repository either)'));
      }
      assert.ok(has('models/default.json'));
      assert.deepEqual(any(/^models\/[^/]+\//).filter((n) => !n.startsWith(`models/${bundle}/`)), [],
        'only the default bundle ships');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
