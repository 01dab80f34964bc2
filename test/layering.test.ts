/**
 * The layers the compiler and this test enforce (STYLE.md §1): extension/engine/ never imports 'vscode';
 * extension/shared/ (the host ↔ webview protocol) sees neither Node nor DOM; webview/ sees only the DOM and the
 * shared protocol. The import scan catches what a type-only check would miss (a require of 'vscode'); the compiler
 * probes prove the tsconfig fences really reject Node and DOM globals.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';

const root = path.resolve(__dirname, '..');

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const p = path.join(dir, entry);
    if (statSync(p).isDirectory()) out.push(...tsFiles(p));
    else if (/\.(ts|mts|cts|tsx)$/.test(entry)) out.push(p);
  }
  return out;
}

/** Every module specifier a file imports: static and type imports, re-exports, require() and import(). */
export function importsOf(source: string): string[] {
  const specs: string[] = [];
  const patterns = [
    /\b(?:import|export)\s[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]/g,
    /\bimport\s*['"]([^'"]+)['"]/g,
    /\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
    /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const re of patterns) for (const m of source.matchAll(re)) specs.push(m[1]);
  return specs;
}

function rel(p: string): string {
  return path.relative(root, p).split(path.sep).join('/');
}

test('the import scanner sees every import form', () => {
  const src = `import * as vscode from 'vscode';\nimport type { X } from "./x";\nexport { y } from './y';\n`
    + `import './side.css';\nconst a = require('vscode');\nconst b = await import('node:fs');\nimport {\n  z,\n} from '../z';`;
  assert.deepEqual(importsOf(src).sort(), ['../z', './side.css', './x', './y', 'node:fs', 'vscode', 'vscode'].sort());
});

test("no file under extension/engine/ imports 'vscode'", () => {
  const offenders = tsFiles(path.join(root, 'extension', 'engine'))
    .filter((f) => importsOf(readFileSync(f, 'utf8')).some((s) => s === 'vscode' || s.startsWith('vscode/')))
    .map(rel);
  assert.deepEqual(offenders, [], `extension/engine/ must not import vscode: ${offenders.join(', ')}`);
});

test('extension/shared/ imports only itself and engine-api types: no Node, no vscode', () => {
  const bad: string[] = [];
  for (const f of tsFiles(path.join(root, 'extension', 'shared'))) {
    const src = readFileSync(f, 'utf8');
    for (const s of importsOf(src)) {
      const target = s.startsWith('.') ? rel(path.resolve(path.dirname(f), s)) : s;
      const ok = target.startsWith('extension/shared/') || target === 'extension/engine/engine-api';
      if (!ok) bad.push(`${rel(f)} imports ${s}`);
    }
    // engine-api is plain data; only its types may cross into the protocol.
    for (const m of src.matchAll(/^import\s+(type\s+)?[^;]*from\s*['"]([^'"]+engine-api)['"]/gm)) {
      if (!m[1]) bad.push(`${rel(f)} imports engine-api values, not only types`);
    }
  }
  assert.deepEqual(bad, []);
});

test('webview/ imports only webview/, the shared protocol, engine-api types and markdown-it', () => {
  const bad: string[] = [];
  for (const f of tsFiles(path.join(root, 'webview'))) {
    for (const s of importsOf(readFileSync(f, 'utf8'))) {
      if (!s.startsWith('.')) {
        if (s !== 'markdown-it' && !s.startsWith('markdown-it/')) bad.push(`${rel(f)} imports ${s}`);
        continue;
      }
      const target = rel(path.resolve(path.dirname(f), s));
      const ok = target.startsWith('webview/') || target.startsWith('extension/shared/') || target === 'extension/engine/engine-api';
      if (!ok) bad.push(`${rel(f)} imports ${s}`);
    }
  }
  assert.deepEqual(bad, []);
});

const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');

/** Typechecks `code` as a file inside `dir` under the given project's compiler options; returns tsc's output. */
function probe(project: string, dir: string, code: string): { ok: boolean; output: string } {
  const tmp = mkdtempSync(path.join(root, dir, '.layering-probe-'));
  try {
    writeFileSync(path.join(tmp, 'probe.ts'), code);
    writeFileSync(path.join(tmp, 'tsconfig.json'), JSON.stringify({
      extends: path.join(root, project), include: ['probe.ts'], compilerOptions: { noEmit: true },
    }));
    try {
      execFileSync(process.execPath, [tsc, '-p', path.join(tmp, 'tsconfig.json')], { encoding: 'utf8', stdio: 'pipe' });
      return { ok: true, output: '' };
    } catch (err) {
      return { ok: false, output: String((err as { stdout?: string }).stdout ?? err) };
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

test('tsconfig.shared.json rejects Node and DOM globals, accepts plain code', () => {
  assert.equal(probe('tsconfig.shared.json', 'extension/shared', 'export const x: number = [1, 2].length;\n').ok, true);
  const node = probe('tsconfig.shared.json', 'extension/shared', 'export const e = process.env.HOME;\n');
  assert.equal(node.ok, false);
  assert.match(node.output, /Cannot find name 'process'/);
  const dom = probe('tsconfig.shared.json', 'extension/shared', 'export const t = document.title;\n');
  assert.equal(dom.ok, false);
  assert.match(dom.output, /Cannot find name 'document'/);
});

test('tsconfig.webview.json accepts the DOM and rejects Node globals', () => {
  assert.equal(probe('tsconfig.webview.json', 'webview', 'export const t: string = document.title;\n').ok, true);
  const node = probe('tsconfig.webview.json', 'webview', "export const b = Buffer.from('x');\n");
  assert.equal(node.ok, false);
  assert.match(node.output, /Cannot find name 'Buffer'/);
});

test('webview stylesheets take every colour from --vscode-* theme variables', () => {
  const cssFiles = (dir: string): string[] => readdirSync(dir).flatMap((e) => {
    const p = path.join(dir, e);
    return statSync(p).isDirectory() ? cssFiles(p) : p.endsWith('.css') ? [p] : [];
  });
  const literal = /#[0-9a-fA-F]{3,8}\b|\b(?:rgba?|hsla?)\(|:\s*(?:white|black|red|green|blue|gray|grey|orange|yellow)\b/;
  const bad: string[] = [];
  for (const f of cssFiles(path.join(root, 'webview'))) {
    readFileSync(f, 'utf8').split('\n').forEach((line, i) => { if (literal.test(line)) bad.push(`${rel(f)}:${i + 1}: ${line.trim()}`); });
  }
  assert.deepEqual(bad, []);
  assert.ok(cssFiles(path.join(root, 'webview')).length >= 3, 'the scan saw the stylesheets');
});
