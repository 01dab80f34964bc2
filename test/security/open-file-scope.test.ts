/**
 * Citation / open-file requests open only files inside the workspace folders. Adds to the fixed cases of
 * test/webview/host-boundary.test.ts the tricks a hostile webview message or a hostile repository would try: a
 * sibling folder whose name starts with the root's, URL-encoded and Unicode look-alike dots, file: URIs, home and
 * /proc paths, Windows-style and mixed separators, symlink chains that end outside, a symlink swapped in after
 * indexing, a FIFO and a device inside the workspace, and very long paths. The rule is resolveInsideWorkspace(),
 * which the host's openRange() and readPreview() both use.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readPreview } from '../../extension/source-preview';
import { resolveInsideWorkspace } from '../../extension/workspace-paths';

let base: string;
let root: string;
let sibling: string;
before(() => {
  base = mkdtempSync(path.join(tmpdir(), 'clara-scope-'));
  root = path.join(base, 'ws');
  sibling = path.join(base, 'ws-evil'); // shares the root's name as a prefix
  for (const d of [path.join(root, 'src'), sibling, path.join(base, 'out', 'deep')]) mkdirSync(d, { recursive: true });
  writeFileSync(path.join(root, 'src', 'app.py'), 'def main():\n    return 0\n');
  writeFileSync(path.join(sibling, 'stolen.py'), 'SECRET = 1\n');
  writeFileSync(path.join(base, 'out', 'deep', 'key.pem'), 'PRIVATE\n');
  symlinkSync(path.join(base, 'out'), path.join(root, 'src', 'hop1'));
  symlinkSync(path.join(root, 'src', 'hop1', 'deep'), path.join(root, 'src', 'hop2')); // a chain ending outside
  symlinkSync('/etc', path.join(root, 'etc-link'));
  execFileSync('mkfifo', [path.join(root, 'src', 'pipe.py')]);
  symlinkSync('/dev/zero', path.join(root, 'src', 'zero.py'));
});
after(() => rmSync(base, { recursive: true, force: true }));

describe('open-file requests stay inside the workspace', () => {
  it('refuses every escape attempt with a reason', async () => {
    const attempts = [
      path.join(sibling, 'stolen.py'),
      `${root}-evil/stolen.py`,
      '../ws-evil/stolen.py',
      '%2e%2e/ws-evil/stolen.py',
      '\u2024\u2024/ws-evil/stolen.py', // one-dot leaders, not dots
      `file://${path.join(sibling, 'stolen.py')}`,
      '~/.ssh/id_rsa',
      '/proc/self/environ',
      '/etc/passwd',
      'etc-link/passwd',
      'src/hop1/deep/key.pem',
      'src/hop2/key.pem',
      'src\\..\\..\\ws-evil\\stolen.py',
      'src/./../../ws-evil/stolen.py',
      'C:\\Windows\\win.ini',
      '//server/share/x.py',
      `src/${'a/'.repeat(2_000)}x.py`,
      'src/pipe.py',
      'src/zero.py',
      '',
    ];
    const outcomes: string[] = [];
    for (const p of attempts) {
      const r = await resolveInsideWorkspace([root], p);
      assert.equal(r.ok, false, `${p.slice(0, 80)} was resolved to ${r.ok ? r.file : ''}`);
      outcomes.push(`${p.slice(0, 40)} → ${(r as { reason: string }).reason.slice(0, 60)}`);
    }
    console.log(`[open-file-scope] ${attempts.length} escape attempts refused:\n  ${outcomes.join('\n  ')}`);
  });

  it('a file swapped for a symlink pointing out after it was indexed: the preview refuses it', async () => {
    const file = path.join(root, 'src', 'swap.py');
    writeFileSync(file, 'def swap():\n    return 1\n');
    assert.equal((await readPreview([root], 'src/swap.py', 1, 2, 'x')).kind, 'lines');
    rmSync(file);
    symlinkSync(path.join(base, 'out', 'deep', 'key.pem'), file);
    const preview = await readPreview([root], 'src/swap.py', 1, 1, 'x');
    assert.equal(preview.kind, 'unavailable');
    assert.match((preview as { reason: string }).reason, /outside the workspace/);
  });

  it('a workspace root that is itself a symlink still opens its own files, and only those', async () => {
    const linkedRoot = path.join(base, 'linked-ws');
    symlinkSync(root, linkedRoot);
    assert.equal((await resolveInsideWorkspace([linkedRoot], 'src/app.py')).ok, true);
    assert.equal((await resolveInsideWorkspace([linkedRoot], 'src/hop2/key.pem')).ok, false);
  });
});
