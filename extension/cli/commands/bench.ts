/**
 * `clara bench <dir>`: a quick speed check on your own code. A cold index of <dir> into a temporary store (your
 * <dir>/.clara is not touched), then search latency over queries made from the indexed symbol names. The full
 * benchmark with baselines, stage shares and plots is `npm run bench` (docs/BENCHMARKS.md).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { openEngine } from '../../engine/clara-engine';
import { positiveIntFlag, UsageError, type FlagSpec } from '../cli-args';
import type { CliCommand } from '../cli-command';
import { engineOptions, ENGINE_FLAGS, workspaceDir } from '../cli-engine';

const BENCH_FLAGS: FlagSpec = { ...ENGINE_FLAGS, queries: 'string' };

/** Nearest-rank percentile. */
function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export const benchCommand: CliCommand = {
  usage: 'bench <dir> [--queries N]',
  summary: 'time a cold index of <dir> (temporary store) and search latency; the full bench is npm run bench',
  flags: BENCH_FLAGS,
  async run(args, io) {
    if (args.positionals.length !== 1) throw new UsageError('expected exactly one <dir>');
    const root = workspaceDir(args);
    const queries = positiveIntFlag(args, 'queries') ?? 30;
    const storeDir = mkdtempSync(path.join(tmpdir(), 'clara-bench-'));
    const engine = await openEngine({ ...engineOptions(root, args), storeDir });
    try {
      const t0 = performance.now();
      const summary = await engine.index({ signal: io.signal });
      const indexMs = performance.now() - t0;
      const peakRssMB = process.resourceUsage().maxRSS / 1024;
      const state = await engine.state();
      // Queries: the indexed symbol names, spread over the index, as a developer would type them.
      const symbols = [...new Set((await engine.store.allChunks()).map((c) => c.symbol).filter((s): s is string => !!s))];
      const step = Math.max(1, Math.floor(symbols.length / queries));
      const qs = symbols.filter((_, i) => i % step === 0).slice(0, queries).map((s) => `where is ${s.replace(/[._]/g, ' ')}`);
      const ms: number[] = [];
      for (const q of qs) {
        const t = performance.now();
        await engine.search(q);
        ms.push(performance.now() - t);
      }
      ms.sort((a, b) => a - b);
      const result = {
        root, files: state.files, chunks: state.chunks, indexSeconds: indexMs / 1000,
        filesPerSec: state.files / (indexMs / 1000), chunksPerSec: summary.chunksCompressed / (indexMs / 1000),
        storeBytes: state.bytesOnDisk, bytesPerChunk: state.bytesOnDisk / Math.max(1, state.chunks), peakRssMB,
        searchQueries: ms.length, searchP50Ms: percentile(ms, 50), searchP95Ms: percentile(ms, 95), model: state.model,
      };
      if (args.flags.has('json')) io.out(`${JSON.stringify(result)}\n`);
      else {
        io.out(`${[
          `Bench of ${root} (cold index into a temporary store; model ${state.model.name} ${state.model.version} on ${state.model.executionProvider})`,
          `  index: ${state.files} files, ${state.chunks} chunks in ${result.indexSeconds.toFixed(1)} s ` +
            `(${result.filesPerSec.toFixed(1)} files/s, ${result.chunksPerSec.toFixed(1)} chunks/s), peak RSS ${peakRssMB.toFixed(0)} MB`,
          `  store: ${(state.bytesOnDisk / 1e6).toFixed(2)} MB, ${result.bytesPerChunk.toFixed(0)} bytes per chunk`,
          `  search: ${ms.length} queries, p50 ${result.searchP50Ms.toFixed(1)} ms, p95 ${result.searchP95Ms.toFixed(1)} ms`,
        ].join('\n')}\n`);
      }
      return 0;
    } finally {
      await engine.close();
      rmSync(storeDir, { recursive: true, force: true });
    }
  },
};
