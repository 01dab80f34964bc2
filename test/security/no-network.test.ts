/**
 * No network at run time. The CLI (index, search, ask) and the engine worker run in child processes with a guard
 * preloaded (no-network-guard.cjs) that records and refuses every outgoing connection, DNS lookup, http(s) request
 * and fetch from JavaScript; the CLI additionally runs under strace, which sees connect() from native code too
 * (ONNX Runtime, LanceDB). Positive controls prove each guard would catch an attempt.
 */
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { bundleUnderTest } from '../bundle/bundle-under-test';
import { FixtureRepo, MULTI_LANGUAGE_PROJECT, tempDir } from '../fixtures/fixture-repo';
import { CLI, clara } from '../reliability/reliability-kit';

const BUNDLE = bundleUnderTest();
const GUARD = path.join(__dirname, 'no-network-guard.cjs');
const HAS_STRACE = spawnSync('strace', ['-V']).status === 0;
let repo: FixtureRepo;
let netLog: string;
const cleanups: Array<() => unknown> = [];

before(() => {
  repo = new FixtureRepo(MULTI_LANGUAGE_PROJECT, 'clara-nonet-');
  cleanups.push(() => repo.dispose());
  const t = tempDir('clara-netlog-');
  cleanups.push(t.dispose);
  netLog = path.join(t.dir, 'net.log');
});
after(() => {
  for (const c of cleanups.reverse()) c();
});

const guarded = { nodeArgs: ['--require', GUARD], env: { CLARA_NET_LOG: '' } };
const attempts = () => (existsSync(netLog) ? readFileSync(netLog, 'utf8').trim() : '');

describe('no network at run time', () => {
  it('the CLI indexes, searches and answers under the network guard without a single attempt', async () => {
    guarded.env.CLARA_NET_LOG = netLog;
    for (const args of [['index', repo.root], ['search', repo.root, 'invoice total'], ['ask', repo.root, 'how is an invoice total computed?'], ['status', repo.root]]) {
      const r = await clara([...args, '--bundle', BUNDLE, '--provider', 'cpu'], guarded);
      assert.equal(r.code, 0, `${args[0]}: ${r.stderr}`);
    }
    assert.equal(attempts(), '', 'network attempts were made');
    // Positive control: the same guard refuses and records a real attempt.
    const control = await clara(['--version'], { nodeArgs: ['--require', GUARD, '-e', "require('node:net').connect(9, '127.0.0.1')"], env: { CLARA_NET_LOG: netLog } });
    assert.notEqual(control.code, 0);
    assert.match(attempts(), /main net\.Socket\.connect/);
    rmSync(netLog, { force: true });
  });

  it('the engine worker (open, index, search, ask) under the guard: no attempt; the guard is live in worker threads', async () => {
    const store = tempDir();
    cleanups.push(store.dispose);
    const out = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, ['--require', GUARD, '--import', 'tsx', path.join(__dirname, 'worker-net-child.ts'), repo.root, store.dir, BUNDLE],
        { env: { ...process.env, CLARA_NET_LOG: netLog, CLARA_THREADS: '1' } }, (err, stdout, stderr) => resolve({ code: err ? (err.code as number) : 0, stdout, stderr }));
    });
    assert.equal(out.code, 0, out.stderr);
    const result = JSON.parse(out.stdout.trim().split('\n').at(-1) as string) as { filesIndexed: number; hits: number; answered: boolean; control: string };
    assert.equal(result.filesIndexed, Object.keys(MULTI_LANGUAGE_PROJECT).length);
    assert.ok(result.hits > 0 && result.answered);
    const lines = attempts().split('\n').filter(Boolean);
    assert.deepEqual(lines.filter((l) => !l.includes('127.0.0.1')), [], 'the engine worker attempted network access');
    assert.equal(lines.length, 1, `only the positive control is recorded: ${lines.join(' | ')}`);
    assert.match(lines[0], /^worker net\.Socket\.connect/, 'the guard is active inside worker threads');
    rmSync(netLog, { force: true });
  });

  it('native code too: strace sees no inet connect() from the CLI (index, ask)', { skip: HAS_STRACE ? false : 'strace is not installed' }, async () => {
    const store = tempDir('clara-strace-');
    cleanups.push(store.dispose);
    const traces: string[] = [];
    for (const args of [['index', repo.root], ['ask', repo.root, 'how is an invoice total computed?']]) {
      const trace = path.join(store.dir, `${args[0]}.trace`);
      const r = spawnSync('strace', ['-f', '-qq', '-e', 'trace=connect,sendto,sendmsg', '-o', trace, process.execPath, CLI, ...args, '--bundle', BUNDLE, '--provider', 'cpu'],
        { encoding: 'utf8', env: { ...process.env, CLARA_THREADS: '1' } });
      assert.equal(r.status, 0, r.stderr);
      traces.push(readFileSync(trace, 'utf8'));
    }
    const inet = traces.join('\n').split('\n').filter((l) => /AF_INET6?|sin6?_addr|inet_addr/.test(l));
    assert.deepEqual(inet, [], 'native code opened an internet connection');
    // Positive control: strace does report an inet connect() when one happens.
    const control = path.join(store.dir, 'control.trace');
    spawnSync('strace', ['-f', '-qq', '-e', 'trace=connect', '-o', control, process.execPath, '-e', "require('node:net').connect(9, '127.0.0.1').on('error', () => process.exit(0))"]);
    assert.match(readFileSync(control, 'utf8'), /connect\(.*AF_INET/);
  });
});
