/**
 * Every message is validated. A seeded fuzzer builds thousands of hostile messages — wrong types, prototype-pollution
 * keys, huge strings, non-finite and fractional line numbers, mutated valid messages — and (1) runs them through the
 * webview guards (isChatToHost, isInspectorToHost), checking each verdict against an independent statement of the
 * contract; (2) posts them to the real engine worker, which must stay alive, log and ignore what is malformed, answer
 * every well-formed request exactly once, and never index a path outside the workspace. Extends
 * test/webview/host-boundary.test.ts (a fixed list) and test/engine/engine-worker.test.ts (a few malformed messages).
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { IndexState } from '../../extension/engine/engine-api';
import { isWorkerRequest } from '../../extension/engine/worker/worker-protocol';
import { isChatToHost, isInspectorToHost, MAX_TEXT_LENGTH } from '../../extension/shared/webview-protocol';
import { bundleUnderTest } from '../bundle/bundle-under-test';
import { FixtureRepo, MULTI_LANGUAGE_PROJECT, tempDir } from '../fixtures/fixture-repo';
import { prng, sleep, WorkerHarness } from '../reliability/reliability-kit';

const random = prng(20261126);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)];

const WEIRD_VALUES: unknown[] = [
  null, undefined, 0, -1, 1.5, NaN, Infinity, -Infinity, 2 ** 53, '', ' ', '\u0000', 'x'.repeat(MAX_TEXT_LENGTH + 1), 'ok',
  [], [1, 2], {}, { length: 3 }, true, false, '../../../etc/passwd', '/etc/shadow', 'C:\\Windows\\win.ini', '<script>x()</script>',
  JSON.parse('{"__proto__": {"polluted": true}}'), JSON.parse('{"constructor": {"prototype": {"polluted": true}}}'),
];
const TYPES = ['ready', 'ask', 'stop', 'open', 'copy', 'showInspector', 'pause', 'resume', 'reindex', 'runCommand', 'eval', '__proto__', 'constructor', 'toString', ''];

function hostileMessage(): unknown {
  const shape = random();
  if (shape < 0.15) return pick(WEIRD_VALUES);
  const m: Record<string, unknown> = { type: random() < 0.9 ? pick(TYPES) : pick(WEIRD_VALUES) };
  if (random() < 0.6) m.question = random() < 0.5 ? pick(WEIRD_VALUES) : `where is ${pick(['x', 'y'])}?`;
  if (random() < 0.6) m.text = pick(WEIRD_VALUES);
  if (random() < 0.7) {
    m.target = random() < 0.2 ? pick(WEIRD_VALUES) : {
      path: random() < 0.5 ? pick(WEIRD_VALUES) : 'src/app.py',
      startLine: random() < 0.5 ? pick(WEIRD_VALUES) : 1 + Math.floor(random() * 10),
      endLine: random() < 0.5 ? pick(WEIRD_VALUES) : 1 + Math.floor(random() * 20),
    };
  }
  if (random() < 0.2) Object.assign(m, JSON.parse('{"__proto__": {"type": "ask", "question": "injected"}}'));
  return m;
}

/** The contract, stated independently of the implementation. */
function isLine(v: unknown): boolean {
  return typeof v === 'number' && Number.isInteger(v) && v >= 1;
}
function validTarget(t: unknown): boolean {
  if (typeof t !== 'object' || t === null || Array.isArray(t)) return false;
  const r = t as Record<string, unknown>;
  return typeof r.path === 'string' && r.path.length > 0 && r.path.length <= 4096 && isLine(r.startLine) && isLine(r.endLine)
    && (r.endLine as number) >= (r.startLine as number);
}
function expectedChat(m: unknown): boolean {
  if (typeof m !== 'object' || m === null || Array.isArray(m)) return false;
  const r = m as Record<string, unknown>;
  if (!Object.prototype.hasOwnProperty.call(r, 'type')) return false;
  switch (r.type) {
    case 'ready': case 'stop': case 'showInspector': return true;
    case 'ask': return typeof r.question === 'string' && r.question.length <= MAX_TEXT_LENGTH && r.question.trim() !== '';
    case 'open': return validTarget(r.target);
    case 'copy': return typeof r.text === 'string' && r.text.length <= MAX_TEXT_LENGTH;
    default: return false;
  }
}
function expectedInspector(m: unknown): boolean {
  if (typeof m !== 'object' || m === null || Array.isArray(m)) return false;
  const r = m as Record<string, unknown>;
  if (!Object.prototype.hasOwnProperty.call(r, 'type')) return false;
  if (['ready', 'pause', 'resume', 'reindex'].includes(r.type as string)) return true;
  return r.type === 'open' && validTarget(r.target);
}

describe('hostile messages', () => {
  it('webview guards: 20,000 fuzzed messages, each verdict matches the contract; nothing throws or pollutes prototypes', () => {
    let accepted = 0;
    for (let i = 0; i < 20_000; i++) {
      const m = hostileMessage();
      const chat = isChatToHost(m);
      const inspector = isInspectorToHost(m);
      assert.equal(chat, expectedChat(m), `chat guard on ${JSON.stringify(m)?.slice(0, 160)}`);
      assert.equal(inspector, expectedInspector(m), `inspector guard on ${JSON.stringify(m)?.slice(0, 160)}`);
      if (chat || inspector) accepted++;
    }
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(({} as Record<string, unknown>).type, undefined);
    console.log(`[hostile-messages] 20000 fuzzed webview messages, ${accepted} well-formed accepted, the rest refused`);
  });

  describe('the engine worker under a stream of hostile messages', () => {
    let repo: FixtureRepo;
    let store: { dir: string; dispose: () => void };
    let worker: WorkerHarness;
    before(async () => {
      repo = new FixtureRepo(MULTI_LANGUAGE_PROJECT, 'clara-hostile-worker-');
      store = tempDir();
      worker = new WorkerHarness();
      await worker.call({ type: 'open', options: { root: repo.root, storeDir: store.dir, bundleDir: bundleUnderTest(), executionProvider: 'cpu' } });
      await worker.call({ type: 'indexAll' });
    });
    after(async () => {
      await worker?.close();
      store?.dispose();
      repo?.dispose();
    });

    it('stays alive, ignores and logs what is malformed, answers the rest once, indexes nothing outside the root', async () => {
      const sent: unknown[] = [];
      let malformed = 0;
      let wellFormed = 0;
      const ids = new Set<number>();
      const requestsPerId = new Map<number, number>(); // hostile ids repeat (NaN, 0, -1 …): one reply per request
      const workerTypes = ['state', 'search', 'ask', 'indexPaths', 'pause', 'resume', 'stopAsk', 'setUserTyping', 'bogus', 'open', 'clear', 'close'];
      for (let i = 0; i < 400; i++) {
        const type = pick(workerTypes);
        const id = random() < 0.85 ? 10_000 + i : pick(WEIRD_VALUES);
        let m: Record<string, unknown> = { type, id };
        if (type === 'search' || type === 'ask') m.question = random() < 0.5 ? pick(WEIRD_VALUES) : 'how is the invoice total computed?';
        if (type === 'search' || type === 'ask') if (random() < 0.3) m.topK = pick([-5, 0, 1.5, NaN, 1e9, '3']);
        if (type === 'indexPaths') m.paths = random() < 0.5 ? pick(WEIRD_VALUES) : ['../../etc/passwd', '/etc/hostname', path.join(repo.root, '..', 'x.py'), 'src/billing.ts'];
        if (type === 'setUserTyping') m.typing = pick([true, false, 'yes', 1]);
        if (type === 'stopAsk') m.askId = pick([1, NaN, 'x']);
        if (type === 'open' || type === 'clear' || type === 'close') m = { type: 'bogus', id }; // keep the engine open
        if (random() < 0.1) m = pick(WEIRD_VALUES) as Record<string, unknown>;
        sent.push(m);
        if (isWorkerRequest(m)) {
          wellFormed++;
          ids.add(m.id);
          requestsPerId.set(m.id, (requestsPerId.get(m.id) ?? 0) + 1);
        } else {
          malformed++;
        }
        let cloneable = true;
        try {
          structuredClone(m);
        } catch {
          cloneable = false;
        }
        if (cloneable) worker.worker.postMessage(m);
        else malformed--;
      }
      // Every well-formed request gets exactly one reply; then the worker still answers a normal request.
      for (let i = 0; i < 600 && [...ids].some((id) => !worker.events.some((e) => e.type === 'reply' && Object.is(e.id, id))); i++) await sleep(100);
      const replies = worker.events.filter((e) => e.type === 'reply' && ids.has(e.id));
      const perId = new Map<number, number>();
      for (const r of replies) if (r.type === 'reply') perId.set(r.id, (perId.get(r.id) ?? 0) + 1);
      assert.deepEqual([...ids].filter((id) => perId.get(id) !== requestsPerId.get(id)), [], 'a well-formed request without exactly one reply');
      const warned = worker.events.filter((e) => e.type === 'log' && /ignored a malformed message/.test(e.message)).length;
      assert.equal(warned, malformed, 'every malformed message is logged and ignored');
      await worker.call({ type: 'resume' });
      await worker.call({ type: 'setUserTyping', typing: false });
      const state = await worker.call<IndexState>({ type: 'state' });
      assert.equal(state.files, Object.keys(MULTI_LANGUAGE_PROJECT).length, 'nothing outside the workspace was indexed');
      const paths = (await worker.call<Array<{ path: string }>>({ type: 'search', question: 'passwd hostname', topK: 50 })).map((h) => h.path);
      assert.ok(paths.every((p) => Object.keys(MULTI_LANGUAGE_PROJECT).includes(p)), JSON.stringify(paths));
      console.log(`[hostile-messages] worker: ${sent.length} messages, ${wellFormed} well-formed (each answered once), ${malformed} malformed (each logged and ignored)`);
    });
  });
});
