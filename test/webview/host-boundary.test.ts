/**
 * The host's side of the webview boundary, on the real file system: which open requests are honoured (only files
 * inside the workspace, after fs.realpath), the source preview's stale check, the protocol guards that drop
 * malformed messages, the CSP/nonce of the HTML builder, and files.exclude → engine excludes.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { expandBraces, filesExcludeToPatterns } from '../../extension/files-exclude';
import { isChatToHost, isInspectorToHost, MAX_TEXT_LENGTH } from '../../extension/shared/webview-protocol';
import { PREVIEW_MAX_LINES, readPreview } from '../../extension/source-preview';
import { buildWebviewHtml } from '../../extension/webview-html';
import { resolveInsideWorkspace } from '../../extension/workspace-paths';

let base: string;
let root: string;
let second: string;
let outside: string;

before(() => {
  base = mkdtempSync(path.join(tmpdir(), 'clara-boundary-'));
  root = path.join(base, 'ws');
  second = path.join(base, 'ws2');
  outside = path.join(base, 'outside');
  for (const d of [root, path.join(root, 'src'), second, outside]) mkdirSync(d, { recursive: true });
  writeFileSync(path.join(root, 'src', 'app.py'), 'import os\n\ndef main():\n    print("hi")\n    return 0\n');
  writeFileSync(path.join(root, 'src', 'crlf.py'), 'a = 1\r\nb = 2\r\nc = 3\r\n');
  writeFileSync(path.join(root, 'long.py'), Array.from({ length: 100 }, (_, i) => `x${i} = ${i}`).join('\n') + '\n');
  writeFileSync(path.join(second, 'other.ts'), 'export const x = 1;\n');
  writeFileSync(path.join(outside, 'secret.txt'), 'password\n');
  symlinkSync(path.join(outside, 'secret.txt'), path.join(root, 'src', 'link-out.txt'));
  symlinkSync(outside, path.join(root, 'dir-out'));
  symlinkSync(path.join(root, 'src', 'app.py'), path.join(root, 'link-in.py'));
});
after(() => rmSync(base, { recursive: true, force: true }));

test('open requests resolve only to files inside a workspace folder', async () => {
  const ok = await resolveInsideWorkspace([root], 'src/app.py');
  assert.deepEqual(ok, { ok: true, file: path.join(root, 'src', 'app.py'), root });
  assert.equal((await resolveInsideWorkspace([root, second], 'other.ts')).ok, true, 'a second root is searched too');
  assert.equal((await resolveInsideWorkspace([root], path.join(root, 'src', 'app.py'))).ok, true, 'absolute inside');
  const inLink = await resolveInsideWorkspace([root], 'link-in.py');
  assert.equal(inLink.ok && inLink.file, path.join(root, 'src', 'app.py'), 'a link staying inside is followed');

  const refused: Array<[string, RegExp]> = [
    ['../outside/secret.txt', /climbs out/],
    ['src/../../outside/secret.txt', /climbs out/],
    ['src\\..\\..\\outside\\secret.txt', /climbs out/],
    [path.join(outside, 'secret.txt'), /outside the workspace folders/],
    ['src/link-out.txt', /symbolic link/],
    ['dir-out/secret.txt', /symbolic link/],
    ['src/missing.py', /does not exist/],
    ['src', /not a file/],
    ['src/app.py\0.txt', /NUL/],
  ];
  for (const [p, reason] of refused) {
    const r = await resolveInsideWorkspace([root], p);
    assert.equal(r.ok, false, `${p} must be refused`);
    assert.match((r as { reason: string }).reason, reason, p);
  }
  assert.match((await resolveInsideWorkspace([], 'src/app.py') as { reason: string }).reason, /no workspace folder/);
});

/** The engine's chunk hash (extension/engine/chunking/chunk-file.ts): sha256 of the chunk's lines joined by '\n'. */
const hashOf = (lines: string[]) => createHash('sha256').update(lines.join('\n')).digest('hex');

test('source previews are read from disk and marked stale when the cited lines changed', async () => {
  const fresh = await readPreview([root], 'src/app.py', 3, 5, hashOf(['def main():', '    print("hi")', '    return 0']));
  assert.deepEqual(fresh, { kind: 'lines', startLine: 3, lines: ['def main():', '    print("hi")', '    return 0'], stale: false, truncated: false });

  const crlf = await readPreview([root], 'src/crlf.py', 1, 3, hashOf(['a = 1', 'b = 2', 'c = 3']));
  assert.equal(crlf.kind === 'lines' && crlf.stale, false, 'CRLF files hash like the engine hashes them');

  writeFileSync(path.join(root, 'src', 'app.py'), 'import os\n\ndef main():\n    print("changed")\n    return 0\n');
  const stale = await readPreview([root], 'src/app.py', 3, 5, hashOf(['def main():', '    print("hi")', '    return 0']));
  assert.equal(stale.kind === 'lines' && stale.stale, true);
  assert.deepEqual(stale.kind === 'lines' && stale.lines, ['def main():', '    print("changed")', '    return 0'], "today's lines");

  const long = await readPreview([root], 'long.py', 1, 100, 'whatever');
  assert.equal(long.kind === 'lines' && long.lines.length, PREVIEW_MAX_LINES);
  assert.equal(long.kind === 'lines' && long.truncated, true);

  const shrunk = await readPreview([root], 'src/app.py', 50, 60, 'h');
  assert.equal(shrunk.kind, 'unavailable');
  assert.match((shrunk as { reason: string }).reason, /now has 5 lines/);
  const escape = await readPreview([root], '../outside/secret.txt', 1, 1, 'h');
  assert.equal(escape.kind, 'unavailable', 'previews obey the same workspace rule as open requests');
});

test('protocol guards accept well-formed messages and drop everything else', () => {
  const target = { path: 'src/app.py', startLine: 3, endLine: 5 };
  for (const m of [{ type: 'ready' }, { type: 'ask', question: 'where?' }, { type: 'stop' }, { type: 'open', target },
    { type: 'copy', text: 'answer' }, { type: 'showInspector' }]) assert.equal(isChatToHost(m), true, JSON.stringify(m));
  for (const m of [null, 42, 'ask', [], {}, { type: 'ask' }, { type: 'ask', question: '   ' },
    { type: 'ask', question: 'x'.repeat(MAX_TEXT_LENGTH + 1) }, { type: 'open' }, { type: 'open', target: { ...target, startLine: 0 } },
    { type: 'open', target: { ...target, endLine: 2 } }, { type: 'open', target: { ...target, startLine: 1.5 } },
    { type: 'open', target: { ...target, path: '' } }, { type: 'open', target: { ...target, path: 7 } },
    { type: 'copy', text: 5 }, { type: 'pause' }, { type: 'runCommand', command: 'rm -rf /' }]) {
    assert.equal(isChatToHost(m), false, JSON.stringify(m)?.slice(0, 80));
  }
  for (const m of [{ type: 'ready' }, { type: 'pause' }, { type: 'resume' }, { type: 'reindex' }, { type: 'open', target }]) {
    assert.equal(isInspectorToHost(m), true, JSON.stringify(m));
  }
  for (const m of [{ type: 'ask', question: 'q' }, { type: 'open', target: { path: 'a' } }, { type: 'clear' }, undefined]) {
    assert.equal(isInspectorToHost(m), false, JSON.stringify(m));
  }
});

test('the HTML builder: strict CSP, a fresh nonce per load, nothing inline without it, no remote origin', () => {
  const assets = { cspSource: 'https://file+.vscode-resource.vscode-cdn.net', script: 'https://x/dist/webview/chat.js', styles: ['https://x/a.css'] };
  const a = buildWebviewHtml('chat', assets);
  const b = buildWebviewHtml('chat', assets);
  const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(a)![1];
  assert.match(csp, /^default-src 'none'; /);
  assert.match(csp, /script-src 'nonce-[A-Za-z0-9+/=]{20,}'(;|$)/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*|https?:\/\/(?!file\+)/);
  const nonce = (html: string) => /'nonce-([^']+)'/.exec(html)![1];
  assert.notEqual(nonce(a), nonce(b), 'each load gets its own nonce');
  const scripts = [...a.matchAll(/<script\b([^>]*)>/g)].map((m) => m[1]);
  assert.equal(scripts.length, 1);
  assert.match(scripts[0], new RegExp(`nonce="${nonce(a).replace(/[+/=]/g, '\\$&')}"`));
  assert.doesNotMatch(a, /<style|style="/, 'no inline styles');
  const evil = buildWebviewHtml('inspector', { ...assets, script: 'x"><script>alert(1)</script>' });
  assert.equal([...evil.matchAll(/<script\b/g)].length, 1, 'asset URIs are attribute-escaped');
});

test('media/codicons is the exact @vscode/codicons build the package pins', () => {
  const repo = path.resolve(__dirname, '..', '..');
  for (const f of ['codicon.css', 'codicon.ttf']) {
    assert.ok(readFileSync(path.join(repo, 'media', 'codicons', f)).equals(readFileSync(path.join(repo, 'node_modules', '@vscode', 'codicons', 'dist', f))),
      `media/codicons/${f} differs from node_modules/@vscode/codicons/dist/${f}: copy it again after upgrading @vscode/codicons`);
  }
});

test('files.exclude becomes gitignore patterns: true entries only, braces expanded, bounded', () => {
  assert.deepEqual(filesExcludeToPatterns({
    '**/.git': true, '**/node_modules': true, '**/*.{pyc,pyo}': true, 'build/': false, '**/*.js': { when: '$(basename).ts' },
  }), ['**/.git', '**/node_modules', '**/*.pyc', '**/*.pyo']);
  assert.deepEqual(expandBraces('{a,b}/{c,d}'), ['a/c', 'a/d', 'b/c', 'b/d']);
  assert.equal(expandBraces('{a,b,c,d}{e,f,g,h}{i,j,k,l}{m,n,o,p}').length, 64, 'a hostile glob cannot explode');
});
