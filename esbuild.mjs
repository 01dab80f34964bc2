// Bundles the extension host, the engine worker, the CLI and the webviews into dist/.
// Native modules and data files (ONNX, wasm grammars, LanceDB) stay external and ship in node_modules/ and models/.
import * as esbuild from 'esbuild';
import { existsSync } from 'node:fs';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

const nodeExternal = [
  'vscode',
  '@lancedb/lancedb',
  'apache-arrow',
  'onnxruntime-node',
  'web-tree-sitter',
  'tree-sitter-wasms',
];

const nodeCommon = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: !production,
  minify: production,
  external: nodeExternal,
  logLevel: 'info',
};

const targets = [
  { ...nodeCommon, entryPoints: ['extension/extension.ts'], outfile: 'dist/extension.js' },
  { ...nodeCommon, entryPoints: ['extension/engine/worker/engine-worker.ts'], outfile: 'dist/engine-worker.js' },
  { ...nodeCommon, entryPoints: ['extension/cli/main.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' } },
  {
    bundle: true, platform: 'browser', target: 'es2022', format: 'iife', sourcemap: !production, minify: production,
    entryPoints: ['webview/chat/main.ts'], outfile: 'dist/webview/chat.js', logLevel: 'info',
  },
  {
    bundle: true, platform: 'browser', target: 'es2022', format: 'iife', sourcemap: !production, minify: production,
    entryPoints: ['webview/inspector/main.ts'], outfile: 'dist/webview/inspector.js', logLevel: 'info',
  },
].filter((t) => t.entryPoints.every((e) => existsSync(e)));

if (watch) {
  for (const t of targets) await (await esbuild.context(t)).watch();
} else {
  await Promise.all(targets.map((t) => esbuild.build(t)));
}
