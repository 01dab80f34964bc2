/**
 * Discovery on real folders the test writes: ignore files, built-in excludes, secrets, content sniffing, size,
 * symlinks. Every skipped file must come with a reason.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, symlinkSync } from 'node:fs';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { decodeText, readSource } from '../../extension/engine/discovery/read-source';
import { formatBytes, scanWorkspace, WorkspaceFilter } from '../../extension/engine/discovery/scan-workspace';
import { FixtureRepo, tempDir } from '../fixtures/fixture-repo';

const cleanups: Array<() => void> = [];
after(() => cleanups.forEach((c) => c()));

function repo(files: Record<string, string | Uint8Array>): FixtureRepo {
  const r = new FixtureRepo(files);
  cleanups.push(() => r.dispose());
  return r;
}

function reasonOf(skipped: { path: string; reason: string }[], p: string): string | undefined {
  return skipped.find((s) => s.path === p)?.reason;
}

describe('scanWorkspace ignore rules', () => {
  it('applies nested .gitignore files with negation, .claraignore and extra excludes', async () => {
    const r = repo({
      '.gitignore': '*.log\ngenerated/\n',
      'app.ts': 'export const a = 1;\n',
      'debug.log': 'noise\n',
      'generated/api.ts': 'export const g = 1;\n',
      'pkg/.gitignore': '!keep.log\nlocal.ts\n',
      'pkg/keep.log': 'kept by negation\n',
      'pkg/local.ts': 'const x = 1;\n',
      'pkg/lib.ts': 'const y = 2;\n',
      '.claraignore': 'docs/drafts/\n',
      'docs/drafts/idea.md': '# idea\n',
      'docs/guide.md': '# guide\n',
      'tmp/scratch.ts': 'let s = 0;\n',
    });
    const { files, skipped } = await scanWorkspace({ root: r.root, extraExcludes: ['tmp/**'] });
    const paths = files.map((f) => f.path);
    assert.deepEqual(paths, ['.claraignore', '.gitignore', 'app.ts', 'docs/guide.md', 'pkg/.gitignore', 'pkg/keep.log', 'pkg/lib.ts']);
    assert.equal(reasonOf(skipped, 'debug.log'), 'ignored by .gitignore');
    assert.equal(reasonOf(skipped, 'generated/'), 'ignored by .gitignore');
    assert.equal(reasonOf(skipped, 'pkg/local.ts'), 'ignored by pkg/.gitignore');
    assert.equal(reasonOf(skipped, 'docs/drafts/'), 'ignored by .claraignore');
    assert.equal(reasonOf(skipped, 'tmp/scratch.ts'), 'ignored by files.exclude');
  });

  it('skips dependencies, build outputs, lock files, minified bundles and secrets with a reason', async () => {
    const r = repo({
      'index.js': 'module.exports = 1;\n',
      'node_modules/left-pad/index.js': 'module.exports = 2;\n',
      'dist/bundle.js': 'x\n',
      'target/debug/app.d': 'x\n',
      '__pycache__/m.cpython-311.pyc': 'x\n',
      '.venv/lib/site.py': 'x\n',
      'package-lock.json': '{}\n',
      'yarn.lock': '\n',
      'vendor.min.js': 'var a=1;\n',
      '.env': 'TOKEN=secret\n',
      '.env.production': 'TOKEN=secret\n',
      'certs/server.pem': '-----BEGIN CERTIFICATE-----\n',
      'certs/server.key': '-----BEGIN PRIVATE KEY-----\n',
      'keys/id_rsa': '-----BEGIN OPENSSH PRIVATE KEY-----\n',
      'keys/id_rsa.pub': 'ssh-rsa AAAA\n',
      'logo.png': new Uint8Array([0x89, 0x50, 0x4e, 0x47]),
    });
    const { files, skipped } = await scanWorkspace({ root: r.root });
    assert.deepEqual(files.map((f) => f.path), ['index.js']);
    assert.match(reasonOf(skipped, 'node_modules/') ?? '', /dependencies/);
    assert.match(reasonOf(skipped, 'dist/') ?? '', /build output/);
    assert.match(reasonOf(skipped, 'target/') ?? '', /build output/);
    assert.match(reasonOf(skipped, '__pycache__/') ?? '', /cache/);
    assert.match(reasonOf(skipped, '.venv/') ?? '', /environment/);
    assert.equal(reasonOf(skipped, 'package-lock.json'), 'lock file');
    assert.equal(reasonOf(skipped, 'yarn.lock'), 'lock file');
    assert.equal(reasonOf(skipped, 'vendor.min.js'), 'minified bundle or source map');
    assert.equal(reasonOf(skipped, '.env'), 'secret pattern (.env*)');
    assert.equal(reasonOf(skipped, '.env.production'), 'secret pattern (.env*)');
    assert.match(reasonOf(skipped, 'certs/server.pem') ?? '', /^secret pattern/);
    assert.match(reasonOf(skipped, 'certs/server.key') ?? '', /^secret pattern/);
    assert.equal(reasonOf(skipped, 'keys/id_rsa'), 'secret pattern (id_rsa*)');
    assert.equal(reasonOf(skipped, 'keys/id_rsa.pub'), 'secret pattern (id_rsa*)');
    assert.equal(reasonOf(skipped, 'logo.png'), 'binary file type (.png)');
  });

  it('skips files over the size limit and never walks the store folder', async () => {
    const r = repo({ 'big.txt': 'x'.repeat(2_000) + '\n', 'small.txt': 'ok\n', '.store/lance/data.txt': 'internal\n' });
    const { files, skipped } = await scanWorkspace({ root: r.root, maxFileSizeBytes: 1_000, excludeDirs: [r.abs('.store')] });
    assert.deepEqual(files.map((f) => f.path), ['small.txt']);
    assert.equal(reasonOf(skipped, 'big.txt'), 'larger than 1 kB');
    assert.deepEqual([formatBytes(1_048_576), formatBytes(1_000_000), formatBytes(65_536), formatBytes(1_500_000), formatBytes(999)],
      ['1 MiB', '1 MB', '64 KiB', '1.5 MB', '999 bytes']);
    assert.equal(reasonOf(skipped, '.store/'), 'the index store');
  });

  it('follows symlinks inside the root, refuses ones that leave it, and survives loops', async () => {
    const outside = tempDir('clara-outside-');
    cleanups.push(outside.dispose);
    const r = repo({ 'src/a.ts': 'export const a = 1;\n' });
    mkdirSync(path.join(outside.dir, 'secret-project'));
    symlinkSync(path.join(outside.dir, 'secret-project'), r.abs('escape'));
    symlinkSync(r.abs('src'), r.abs('src/loop'));
    symlinkSync(r.abs('src/a.ts'), r.abs('alias.ts'));
    symlinkSync(r.abs('missing.ts'), r.abs('dangling.ts'));
    const { files, skipped } = await scanWorkspace({ root: r.root });
    assert.deepEqual(files.map((f) => f.path), ['alias.ts', 'src/a.ts']);
    assert.equal(reasonOf(skipped, 'escape'), 'symlink pointing outside the workspace');
    assert.equal(reasonOf(skipped, 'src/loop/'), 'symlink loop (folder already indexed)');
    assert.equal(reasonOf(skipped, 'dangling.ts'), 'broken symlink');
  });

  it('skips unreadable folders and files with the EACCES reason instead of failing', () => {
    const r = repo({ 'ok.ts': 'const a = 1;\n', 'locked/b.ts': 'const b = 2;\n', 'private.ts': 'const c = 3;\n' });
    chmodSync(r.root, 0o755); // mkdtemp makes it owner-only; the unprivileged scanner must reach it
    chmodSync(r.abs('locked'), 0o000);
    chmodSync(r.abs('private.ts'), 0o000);
    cleanups.unshift(() => chmodSync(r.abs('locked'), 0o755));
    // Root reads everything: scan in a child process as 'nobody' so that permissions apply.
    const asRoot = process.getuid?.() === 0;
    const child = spawnSync(process.execPath, ['--import', 'tsx', path.join(__dirname, '..', 'fixtures', 'scan-child.ts'), r.root, r.abs('private.ts')], {
      cwd: path.join(__dirname, '..', '..'), encoding: 'utf8', ...(asRoot ? { uid: 65534, gid: 65534 } : {}),
    });
    assert.equal(child.status, 0, child.stderr);
    const result = JSON.parse(child.stdout) as { files: string[]; skipped: { path: string; reason: string }[]; reads: { ok: boolean; reason?: string }[] };
    assert.deepEqual(result.files, ['ok.ts', 'private.ts']); // size and name pass; reading decides
    assert.equal(reasonOf(result.skipped, 'locked'), 'unreadable: EACCES');
    assert.deepEqual(result.reads, [{ ok: false, reason: 'unreadable: EACCES' }]);
  });
});

describe('WorkspaceFilter.classify (single paths, as the watcher sends them)', () => {
  it('uses the same rules as the scan, including ignored parent folders', async () => {
    const r = repo({ '.gitignore': 'gen/\n', 'gen/x.ts': 'x\n', 'a.ts': 'a\n', 'node_modules/p/i.js': 'i\n', '.env': 's\n' });
    const filter = new WorkspaceFilter({ root: r.root });
    assert.equal(((await filter.classify('a.ts')) as { path: string }).path, 'a.ts');
    assert.ok('absPath' in (await filter.classify('a.ts') as object));
    assert.deepEqual(await filter.classify('gen/x.ts'), { path: 'gen/x.ts', reason: 'ignored by .gitignore' });
    assert.match(((await filter.classify('node_modules/p/i.js')) as { reason: string }).reason, /dependencies/);
    assert.deepEqual(await filter.classify('.env'), { path: '.env', reason: 'secret pattern (.env*)' });
    assert.equal(await filter.classify('gone.ts'), 'missing');
    assert.equal(await filter.classify('node_modules'), 'directory');
  });
});

describe('readSource content checks', () => {
  it('refuses binary content, invalid UTF-8 and minified one-liners with a reason; hashes raw bytes', async () => {
    const r = repo({
      'nul.dat.txt': new Uint8Array([0x61, 0x62, 0x00, 0x63, 0x0a]),
      'latin.txt': new Uint8Array(Array.from({ length: 200 }, (_, i) => (i % 2 ? 0xe9 : 0x41))),
      'oneliner.js': `var a=${'1+'.repeat(4_000)}1;\n`,
      'ok.py': 'def f():\n    return "café ☕"\n',
    });
    assert.deepEqual(await readSource(r.abs('nul.dat.txt')), {
      ok: false, reason: 'binary content (NUL bytes)',
      contentHash: createHash('sha256').update(new Uint8Array([0x61, 0x62, 0x00, 0x63, 0x0a])).digest('hex'),
    });
    const latin = await readSource(r.abs('latin.txt'));
    assert.equal(latin.ok, false);
    assert.match((latin as { reason: string }).reason, /^not UTF-8 text \(\d+\.\d% invalid characters\)$/);
    const minified = await readSource(r.abs('oneliner.js'));
    assert.equal(minified.ok, false);
    assert.match((minified as { reason: string }).reason, /^minified or generated \(a line of 8\d{3} characters\)$/);
    const ok = await readSource(r.abs('ok.py'));
    assert.ok(ok.ok);
    assert.equal(ok.text, 'def f():\n    return "café ☕"\n');
    assert.equal(ok.contentHash.length, 64);
  });

  it('decodes UTF-16 with a BOM (both byte orders) and strips a UTF-8 BOM', () => {
    const text = 'def héllo():\n    pass\n';
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    const be = Buffer.from(le.subarray(2)).swap16();
    assert.deepEqual(decodeText(le), { ok: true, text });
    assert.deepEqual(decodeText(Buffer.concat([Buffer.from([0xfe, 0xff]), be])), { ok: true, text });
    assert.deepEqual(decodeText(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)])), { ok: true, text });
    assert.deepEqual(decodeText(Buffer.from([0xff, 0xfe, 0x41])), { ok: false, reason: 'invalid UTF-16LE (odd byte count)' });
  });

  it('reports a file that vanished or cannot be read', async () => {
    const r = repo({});
    assert.deepEqual(await readSource(r.abs('nope.ts')), { ok: false, reason: 'unreadable: ENOENT' });
  });
});
