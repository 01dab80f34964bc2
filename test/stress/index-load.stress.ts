/**
 * Load (npm run test:stress): a synthetic repository of small files indexed by the engine worker
 * (dist/engine-worker.js in a worker_thread, as the extension runs it) while the main thread measures its own
 * event-loop delay (perf_hooks.monitorEventLoopDelay) and the process RSS; then 200 questions back to back and 10 at
 * once through the same worker. Figures are printed as `[stress] …` lines and written to
 * test-results/stress.json; docs/RELIABILITY.md quotes them.
 *
 * Size: CLARA_STRESS_FILES (default 50,000). CLARA_STRESS_BUDGET_S (default 600) is the indexing time the run may
 * use: a calibration run on 1,000 files measures files/s here, and when the full size cannot finish within the budget
 * the largest size that fits (at half the calibrated rate, a margin for a busy machine) is indexed instead — the report
 * says so.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { after, describe, it } from 'node:test';
import type { AnswerResult, IndexState, IndexSummary } from '../../extension/engine/engine-api';
import { bundleUnderTest } from '../bundle/bundle-under-test';
import { tempDir } from '../fixtures/fixture-repo';
import { REPO_ROOT, WorkerHarness } from '../reliability/reliability-kit';

const BUNDLE = bundleUnderTest();
const WANTED = Number(process.env.CLARA_STRESS_FILES ?? 50_000);
const BUDGET_S = Number(process.env.CLARA_STRESS_BUDGET_S ?? 600);
const MiB = 1024 * 1024;
const LOOP_RESOLUTION_MS = 10;
const report: Record<string, unknown> = { bundle: BUNDLE, cores: require('node:os').cpus().length };
const cleanups: Array<() => unknown> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
  mkdirSync(path.join(REPO_ROOT, 'test-results'), { recursive: true });
  writeFileSync(path.join(REPO_ROOT, 'test-results', 'stress.json'), `${JSON.stringify(report, null, 2)}\n`);
});

/** `count` small files (one function each, unique content), 100 per folder; written synchronously, fast. */
function generate(root: string, count: number): number {
  const started = Date.now();
  for (let f = 0; f < count; f++) {
    const dir = path.join(root, `src/area_${Math.floor(f / 10_000)}/mod_${Math.floor(f / 100)}`);
    if (f % 100 === 0) mkdirSync(dir, { recursive: true });
    const ext = ['py', 'ts', 'go', 'js'][f % 4];
    const body: string = {
      py: `def handler_${f}(request):\n    """Handles request kind ${f}."""\n    return request.value * ${f % 97} + ${f}\n`,
      go: `package mod\n\nfunc Handler${f}(v int) int {\n\treturn v*${f % 97} + ${f}\n}\n`,
      ts: `export function handler${f}(value: number): number {\n  return value * ${f % 97} + ${f};\n}\n`,
      js: `function handler${f}(value) {\n  return value * ${f % 97} + ${f};\n}\nmodule.exports = { handler${f} };\n`,
    }[ext] as string;
    writeFileSync(path.join(dir, `file_${f}.${ext}`), body);
  }
  return Date.now() - started;
}

interface Measured {
  summary: IndexSummary;
  ms: number;
  peakRssMiB: number;
  rssAtQuarterMiB: number[];
  /** Files per second within each quarter of the run (the first includes the scan). */
  filesPerSecondByQuarter: number[];
  loop: { p50: number; p99: number; max: number; mean: number };
  maxProgressGapMs: number;
  progressEvents: number;
}

/** Indexes `root` through a fresh worker while sampling RSS, the main thread's event-loop delay and progress gaps. */
async function measuredIndex(worker: WorkerHarness, root: string, storeDir: string, expectFiles: number): Promise<Measured> {
  await worker.call({ type: 'open', options: { root, storeDir, bundleDir: BUNDLE, executionProvider: 'cpu' } });
  const loop = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
  let peakRss = process.memoryUsage().rss;
  const rssAtQuarter: number[] = [];
  const quarterAt: { ms: number; done: number }[] = [];
  let lastProgress = Date.now();
  let maxGap = 0;
  let events = 0;
  let lastDone = -1;
  let started = Date.now();
  const off = worker.on((e) => {
    if (e.type !== 'progress') return;
    const now = Date.now();
    maxGap = Math.max(maxGap, now - lastProgress);
    lastProgress = now;
    events++;
    assert.ok(e.progress.filesDone >= lastDone || e.progress.phase === 'scanning', 'progress never goes backwards');
    lastDone = e.progress.filesDone;
    const quarter = Math.floor((4 * e.progress.filesDone) / Math.max(1, e.progress.filesTotal));
    if (e.progress.phase === 'indexing' && quarter > rssAtQuarter.length && quarter <= 4) {
      rssAtQuarter.push(process.memoryUsage().rss / MiB);
      quarterAt.push({ ms: now - started, done: e.progress.filesDone });
    }
  });
  const sampler = setInterval(() => { peakRss = Math.max(peakRss, process.memoryUsage().rss); }, 250);
  loop.enable();
  started = Date.now();
  const summary = await worker.call<IndexSummary>({ type: 'indexAll' });
  const ms = Date.now() - started;
  loop.disable();
  clearInterval(sampler);
  off();
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  assert.equal(summary.filesIndexed, expectFiles, 'the index finishes with every file');
  // The histogram holds the whole interval between samples; the delay is what exceeds the 10 ms sampling interval.
  const ns = (v: number) => Math.max(0, Math.round((v / 1e6 - LOOP_RESOLUTION_MS) * 100) / 100);
  const filesPerSecondByQuarter = quarterAt.map((q, i) => {
    const prev = i === 0 ? { ms: 0, done: 0 } : quarterAt[i - 1];
    return Math.round(((q.done - prev.done) / Math.max(1, (q.ms - prev.ms) / 1000)) * 10) / 10;
  });
  return {
    summary, ms, peakRssMiB: Math.round(peakRss / MiB), rssAtQuarterMiB: rssAtQuarter.map(Math.round), filesPerSecondByQuarter,
    loop: { p50: ns(loop.percentile(50)), p99: ns(loop.percentile(99)), max: ns(loop.max), mean: ns(loop.mean) },
    maxProgressGapMs: maxGap, progressEvents: events,
  };
}

describe('load: a large synthetic repository through the engine worker', () => {
  let worker: WorkerHarness;
  let filesIndexed = 0;

  it('calibrates, then indexes the largest size that fits the budget; memory bounded, host responsive, progress steady', async () => {
    const calib = tempDir('clara-stress-calib-');
    cleanups.push(calib.dispose);
    const calibStore = tempDir();
    cleanups.push(calibStore.dispose);
    generate(calib.dir, 1_000);
    const w0 = new WorkerHarness();
    const c = await measuredIndex(w0, calib.dir, calibStore.dir, 1_000);
    await w0.close();
    const rate = 1_000 / (c.ms / 1000);
    // Half the calibrated rate: throughput no longer decays as the store grows (measured with the shipped bundle: 281.1
    // files/s on the first 1,000 files, then 50,000 at 557.2 files/s, 528/576/604/599 files/s by quarter), so the
    // margin is for a machine busier during the run than during calibration, not for the store.
    const fits = Math.floor(rate * BUDGET_S * 0.5);
    const size = Math.min(WANTED, Math.max(1_000, Math.floor(fits / 1000) * 1000));
    report.calibration = { files: 1_000, ms: c.ms, filesPerSecond: Math.round(rate * 10) / 10 };
    report.size = { wanted: WANTED, budgetSeconds: BUDGET_S, indexed: size, reducedBecause: size < WANTED ? `${WANTED} files at ${rate.toFixed(1)} files/s need ~${Math.round(WANTED / rate)} s, over the ${BUDGET_S} s budget` : null };
    console.log(`[stress] calibration: 1,000 files in ${c.ms} ms (${rate.toFixed(1)} files/s); indexing ${size} of ${WANTED} wanted files`);

    const repo = tempDir('clara-stress-repo-');
    cleanups.push(repo.dispose);
    const store = tempDir();
    cleanups.push(store.dispose);
    const genMs = generate(repo.dir, size);
    worker = new WorkerHarness();
    cleanups.push(() => worker.close());
    const m = await measuredIndex(worker, repo.dir, store.dir, size);
    filesIndexed = size;
    const filesPerSecond = Math.round((size / (m.ms / 1000)) * 10) / 10;
    report.index = { files: size, generateMs: genMs, ...m, filesPerSecond, chunksPerSecond: Math.round((m.summary.chunksCompressed / (m.ms / 1000)) * 10) / 10 };
    console.log(`[stress] indexed ${size} files (${m.summary.chunksCompressed} chunks) in ${(m.ms / 1000).toFixed(1)} s = ${filesPerSecond} files/s; ` +
      `files/s by quarter ${m.filesPerSecondByQuarter.join('/')}; peak RSS ${m.peakRssMiB} MiB (at 25/50/75/100%: ${m.rssAtQuarterMiB.join('/')} MiB); main-thread event-loop delay ` +
      `p50 ${m.loop.p50} ms, p99 ${m.loop.p99} ms, max ${m.loop.max} ms; ${m.progressEvents} progress events, longest gap ${m.maxProgressGapMs} ms`);
    // Bounded: a hard cap for the whole process (host + worker + ONNX Runtime + LanceDB). RSS does grow with the index
    // (LanceDB caches); the growth per 1,000 files between the first and last quarter is reported, not hidden.
    const [q1, , , q4] = m.rssAtQuarterMiB;
    if (q1 !== undefined && q4 !== undefined) (report.index as Record<string, unknown>).rssGrowthPer1000FilesMiB = Math.round(((q4 - q1) / (0.75 * size / 1000)) * 10) / 10;
    assert.ok(m.peakRssMiB < 3072, `peak RSS ${m.peakRssMiB} MiB`);
    // Responsive: the main thread (the extension host's side) only receives messages; indexing happens in the worker.
    assert.ok(m.loop.p99 < 250, `main-thread event-loop delay p99 ${m.loop.p99} ms`);
    // Never silent: some progress event at least every 60 s (a scan of a huge tree reports when it ends).
    assert.ok(m.maxProgressGapMs < 60_000, `no progress for ${m.maxProgressGapMs} ms`);
    const state = await worker.call<IndexState>({ type: 'state' });
    assert.equal(state.files, size);
  });

  let questionRss: { warm: number; every10: number[] } | undefined;

  it('200 questions back to back and 10 at once: each answer independent of the others (same alone and in the batch)', async () => {
    assert.ok(filesIndexed > 0, 'the index test ran first');
    const questions = Array.from({ length: 40 }, (_, i) => `which handler returns value times ${i} plus ${i * 101}?`);
    const ask = (q: string) => worker.call<AnswerResult>({ type: 'ask', question: q });
    const key = (a: AnswerResult) => JSON.stringify({ answer: a.answer, cited: a.citations.map((c) => `${c.path}:${c.startLine}`), ids: a.retrieved.map((h) => h.chunkId) });
    for (let i = 0; i < 20; i++) await ask(questions[i % questions.length]); // warm-up
    const rssWarm = process.memoryUsage().rss / MiB;
    const loop = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
    loop.enable();
    const started = Date.now();
    const alone = new Map<string, string>();
    const rssAlong: number[] = [];
    const rssEvery10: number[] = [];
    const questionMs: number[] = [];
    for (let i = 0; i < 200; i++) {
      const q = questions[i % questions.length];
      const q0 = Date.now();
      const a = await ask(q);
      questionMs.push(Date.now() - q0);
      if (!alone.has(q)) alone.set(q, key(a));
      else assert.equal(key(a), alone.get(q), `the same question answered differently on repeat ${i}`);
      if (i % 50 === 49) rssAlong.push(Math.round(process.memoryUsage().rss / MiB));
      if (i % 10 === 9) rssEvery10.push(Math.round(process.memoryUsage().rss / MiB));
    }
    const serialMs = Date.now() - started;
    loop.disable();
    const rssEnd = process.memoryUsage().rss / MiB;
    const batch = questions.slice(0, 10);
    const concurrent = await Promise.all(batch.map(ask));
    concurrent.forEach((a, i) => assert.equal(key(a), alone.get(batch[i]), `"${batch[i]}" answered differently inside the concurrent batch`));
    const rssAfterBatch = process.memoryUsage().rss / MiB;
    report.questions = {
      serial: 200, serialMs, perQuestionMs: Math.round(serialMs / 20) / 10, concurrent: 10,
      rssAfterWarmupMiB: Math.round(rssWarm), rssEndMiB: Math.round(rssEnd), rssAlongMiB: rssAlong, rssEvery10MiB: rssEvery10,
      questionMsP50: [...questionMs].sort((a, b) => a - b)[100], rssAfterBatchMiB: Math.round(rssAfterBatch),
      loopDelayDuringQuestionsMs: Object.fromEntries(([['p50', loop.percentile(50)], ['p99', loop.percentile(99)], ['max', loop.max]] as const)
        .map(([k, v]) => [k, Math.max(0, Math.round((v / 1e6 - LOOP_RESOLUTION_MS) * 100) / 100)])),
    };
    console.log(`[stress] 200 questions in ${(serialMs / 1000).toFixed(1)} s (${(serialMs / 200).toFixed(0)} ms each); RSS after warm-up ` +
      `${rssWarm.toFixed(0)} MiB, every 50: ${rssAlong.join('/')} MiB, end ${rssEnd.toFixed(0)} MiB, after 10 concurrent ${rssAfterBatch.toFixed(0)} MiB`);
    questionRss = { warm: rssWarm, every10: rssEvery10 };
  });

  // Flat: no RSS sample taken every 10 of the 200 questions exceeds the RSS after the 20 warm-up questions (which read
  // search's copy of the index) by 32 MiB or more. Measured at 50k chunks with the in-memory copy: at most 1 MiB above
  // it (1,270 → 1,244 MiB at the end). While search scanned the LanceDB table, the same run rose up to 111 MiB above
  // it (2,399 → 2,510 MiB) and, at 13k chunks, 190 MiB (901 → 1,091 MiB). 32 MiB leaves room for V8's young generation
  // and allocator noise, not for memory that grows with questions.
  it('RSS stays flat across questions: no sample of 200 is 32 MiB or more above the RSS after warm-up', () => {
    assert.ok(questionRss, 'the question test ran');
    const excess = Math.max(...questionRss.every10) - questionRss.warm;
    report.questionRssMaxExcessMiB = Math.round(excess);
    assert.ok(excess < 32, `RSS rose ${excess.toFixed(0)} MiB above ${questionRss.warm.toFixed(0)} MiB during 200 questions (${questionRss.every10.join('/')} MiB every 10)`);
  });
});
