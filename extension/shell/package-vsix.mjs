#!/usr/bin/env node
// Builds one platform-specific VSIX: `node extension/shell/package-vsix.mjs <target> [--out file.vsix]` (after the
// production build; default output clara-code-<target>.vsix in the repository root).
//
// Why a staging folder: vsce collects dependencies with `npm list --production`, which fails in this repository
// because @lancedb/lancedb's optional @huggingface/transformers@3 is "satisfied" by our dev-only transformers@4.
// So the runtime closure is computed here (every `dependencies` edge from package.json down, plus the target's
// @lancedb native package), hard-linked into .cache/vsix/<target>/, and vsce packages that folder. The VSIX carries
// only the target's native binaries: .vscodeignore lists what no VSIX needs, and this script appends the other
// platforms' onnxruntime-node bin folders and @lancedb packages.
import { execFileSync } from 'node:child_process';
import {
  copyFileSync, existsSync, linkSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';

/** vsce target → onnxruntime-node's bin folder and the @lancedb native package that target loads. */
const TARGETS = {
  'linux-x64': { ort: 'linux/x64', lancedb: '@lancedb/lancedb-linux-x64-gnu' },
  'linux-arm64': { ort: 'linux/arm64', lancedb: '@lancedb/lancedb-linux-arm64-gnu' },
  'alpine-x64': { ort: 'linux/x64', lancedb: '@lancedb/lancedb-linux-x64-musl' },
  'alpine-arm64': { ort: 'linux/arm64', lancedb: '@lancedb/lancedb-linux-arm64-musl' },
  'darwin-arm64': { ort: 'darwin/arm64', lancedb: '@lancedb/lancedb-darwin-arm64' },
  'win32-x64': { ort: 'win32/x64', lancedb: '@lancedb/lancedb-win32-x64-msvc' },
  'win32-arm64': { ort: 'win32/arm64', lancedb: '@lancedb/lancedb-win32-arm64-msvc' },
};
const ORT_BIN = 'node_modules/onnxruntime-node/bin/napi-v6';
/** What the VSIX holds besides node_modules (.vscodeignore then filters inside them). */
const TOP_LEVEL = ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', 'dist', 'media'];

const root = process.cwd();
const args = process.argv.slice(2);
const outIndex = args.indexOf('--out');
const outArg = outIndex >= 0 ? args.splice(outIndex, 2)[1] : undefined;
const target = args[0] ?? 'linux-x64';
const spec = TARGETS[target];
if (!spec) fail(2, `Unknown target "${target}". Supported: ${Object.keys(TARGETS).join(', ')}.`);
const missing = [path.join(ORT_BIN, spec.ort), path.join('node_modules', spec.lancedb), 'dist/extension.js']
  .filter((p) => !existsSync(p));
if (missing.length) {
  fail(1, `Cannot package ${target}: missing ${missing.join(', ')}.\n`
    + 'Another platform\'s native packages install with e.g. `npm install --os=darwin --cpu=arm64` (or build on that '
    + 'platform); dist/ comes from `node esbuild.mjs --production`.');
}

function fail(code, message) {
  console.error(message);
  process.exit(code);
}

/** Node's resolution: <from>/node_modules/<name>, then each parent folder's node_modules, up to the root. */
function resolvePackage(name, fromDir) {
  for (let dir = fromDir; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name);
    if (existsSync(path.join(candidate, 'package.json'))) return candidate;
    if (dir === root || dir === path.dirname(dir)) return undefined;
  }
}

/** Folders of every package reachable through `dependencies` (not optional, not peer) from package.json. */
function runtimeClosure(extra) {
  const manifest = JSON.parse(readFileSync('package.json', 'utf8'));
  const seen = new Set();
  const visit = (name, fromDir, required) => {
    const dir = resolvePackage(name, fromDir);
    if (!dir) {
      if (required) fail(1, `Cannot package: dependency ${name} (needed from ${path.relative(root, fromDir) || 'package.json'}) is not installed.`);
      return;
    }
    if (seen.has(dir)) return;
    seen.add(dir);
    const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
    for (const dep of Object.keys(pkg.dependencies ?? {})) visit(dep, dir, true);
  };
  for (const dep of Object.keys(manifest.dependencies ?? {})) visit(dep, root, true);
  for (const dep of extra) visit(dep, root, true);
  return [...seen];
}

/** Hard-links a tree (copies where linking fails, e.g. across devices); skips nested node_modules. */
function linkTree(src, dest) {
  const stat = statSync(src);
  if (stat.isDirectory()) {
    mkdirSync(dest, { recursive: true });
    for (const entry of readdirSync(src)) {
      if (entry === 'node_modules') continue; // nested packages are in the closure on their own
      linkTree(path.join(src, entry), path.join(dest, entry));
    }
  } else if (stat.isFile()) {
    try { linkSync(src, dest); } catch { copyFileSync(src, dest); }
  }
}

// A fresh staging folder per run (on the repository's file system, so hard links work): the e2e suite and a person
// may package at the same time.
mkdirSync(path.join(root, '.cache', 'vsix'), { recursive: true });
const stage = mkdtempSync(path.join(root, '.cache', 'vsix', `${target}-`));
for (const entry of TOP_LEVEL) if (existsSync(entry)) linkTree(path.join(root, entry), path.join(stage, entry));
// Only the bundle models/default.json names ships; other bundles (a larger one being evaluated) and the training
// pipeline with its run folders stay in the repository and are never staged (other bundles can be used through
// clara.modelPath).
const defaultBundle = existsSync('models/default.json') ? JSON.parse(readFileSync('models/default.json', 'utf8')).bundle : null;
if (defaultBundle) {
  mkdirSync(path.join(stage, 'models'), { recursive: true });
  linkTree(path.join(root, 'models', 'default.json'), path.join(stage, 'models', 'default.json'));
  linkTree(path.join(root, 'models', defaultBundle), path.join(stage, 'models', defaultBundle));
}
const packages = runtimeClosure([spec.lancedb]);
for (const dir of packages) linkTree(dir, path.join(stage, path.relative(root, dir)));

const otherOrt = [...new Set(Object.values(TARGETS).map((t) => t.ort))].filter((o) => o !== spec.ort);
const otherLance = Object.values(TARGETS).map((t) => t.lancedb).filter((l) => l !== spec.lancedb);
const ignoreFile = path.join(stage, '.vscodeignore');
writeFileSync(ignoreFile, [
  readFileSync('.vscodeignore', 'utf8'),
  `# added by package-vsix.mjs for ${target}`,
  ...otherOrt.map((o) => `${ORT_BIN}/${o}/**`),
  ...otherLance.map((l) => `node_modules/${l}/**`),
].join('\n') + '\n');

const out = path.resolve(outArg ?? path.join(root, `clara-code-${target}.vsix`));
const partial = path.join(stage, 'out.vsix'); // renamed into place when complete, so no reader sees half a file
const vsce = path.join(root, 'node_modules', '@vscode', 'vsce', 'vsce');
try {
  // No repository field: the project has no public URL; the VSIX is installed from the file.
  execFileSync(process.execPath, [vsce, 'package', '--target', target, '--no-update-package-json', '--skip-license',
    '--allow-missing-repository', '--no-rewrite-relative-links', '--out', partial], { cwd: stage, stdio: 'inherit' });
  renameSync(partial, out);
} finally {
  rmSync(stage, { recursive: true, force: true });
}
console.log(`${path.basename(out)}: ${statSync(out).size} bytes (${(statSync(out).size / 1048576).toFixed(1)} MiB), `
  + `${packages.length} runtime packages`);
