/**
 * A training run's folder as the calibrations read it (models/training: chunks.jsonl, heldout_samples.jsonl), and its
 * files written back to disk so the product's own indexer can index them.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { openEngine, type ClaraEngine } from '../clara-engine';

/** One line of the run's chunks.jsonl (models/training/chunks.py). */
export interface RunChunk {
  id: number;
  repo: string;
  path: string;
  start_line: number;
  end_line: number;
  code: string;
}

/** One line of the run's heldout_samples.jsonl (models/training/synth_python.py Sample). */
export interface RunSample {
  question: string;
  kind: string;
  chunks: number[];
}

function readJsonl<T>(file: string): T[] {
  return readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as T);
}

/** The run's chunks and its held-out questions (at most `limit`, spread evenly over the file). */
export function readRunFiles(runDir: string, limit?: number): { chunks: RunChunk[]; samples: RunSample[] } {
  const chunks = readJsonl<RunChunk>(path.join(runDir, 'chunks.jsonl'));
  let samples = readJsonl<RunSample>(path.join(runDir, 'heldout_samples.jsonl'));
  if (limit && samples.length > limit) {
    const step = samples.length / limit;
    samples = Array.from({ length: limit }, (_, i) => samples[Math.floor(i * step)]);
  }
  return { chunks, samples };
}

/**
 * Workspace path of each run chunk: its path as the compressor saw it in training (doc_template's {path}), so the
 * product indexes the same text; only a path that two sources share gets its source (first segment of `repo`) in front.
 * (A source prefix on every file cost the tiny bundle most of its memory ranking: held-out MRR 0.169 -> 0.048.)
 */
export function runFilePaths(chunks: RunChunk[]): (chunk: RunChunk) => string {
  const sources = new Map<string, Set<string>>();
  for (const c of chunks) sources.set(c.path, (sources.get(c.path) ?? new Set()).add(c.repo.split('/')[0]));
  return (c) => ((sources.get(c.path)?.size ?? 0) > 1 ? `${c.repo.split('/')[0]}/${c.path}` : c.path);
}

/** Writes every chunk's code back at its original lines (gaps stay blank); overlapping chunks keep the first. */
export function materialiseRunFiles(chunks: RunChunk[], root: string): number {
  const fileOf = runFilePaths(chunks);
  const byFile = new Map<string, RunChunk[]>();
  for (const c of chunks) byFile.set(fileOf(c), [...(byFile.get(fileOf(c)) ?? []), c]);
  for (const [file, list] of byFile) {
    const lines: string[] = [];
    for (const c of list.sort((a, b) => a.start_line - b.start_line)) {
      if (c.start_line <= lines.length) continue;
      while (lines.length < c.start_line - 1) lines.push('');
      lines.push(...c.code.split('\n').slice(0, c.end_line - c.start_line + 1));
    }
    const target = path.join(root, file);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, lines.join('\n') + '\n');
  }
  return byFile.size;
}

/** The run chunks a held-out question was made from (its citation targets), those the run's chunks.jsonl has. */
export function sourceChunks(sample: RunSample, byId: Map<number, RunChunk>): RunChunk[] {
  return sample.chunks.map((id) => byId.get(id)).filter((c) => c !== undefined);
}

/**
 * Writes the run's files into `workDir/workspace` (emptied first), leaves out the files named in `leaveOut`, and
 * indexes them with the product's engine into `workDir/store`. The caller closes the engine.
 */
/** Logs "<what> i/n" each time another tenth of n is done (and at n), for passes that run for many minutes. */
export function tenthsLogger(total: number, what: string, log: (message: string) => void): (done: number) => void {
  let lastTenth = 0;
  return (done) => {
    const tenth = total > 0 ? Math.floor((10 * done) / total) : 10;
    if (tenth > lastTenth || done === total) {
      lastTenth = tenth;
      log(`${what} ${done}/${total}`);
    }
  };
}

export async function indexRunWorkspace(options: {
  bundleDir: string;
  workDir: string;
  chunks: RunChunk[];
  leaveOut?: Set<string>;
  log: (message: string) => void;
}): Promise<{ engine: ClaraEngine; files: number }> {
  const root = path.join(options.workDir, 'workspace');
  rmSync(options.workDir, { recursive: true, force: true });
  const leaveOut = options.leaveOut ?? new Set<string>();
  const files = materialiseRunFiles(options.chunks, root) - leaveOut.size;
  for (const file of leaveOut) rmSync(path.join(root, file));
  const engine = await openEngine({ root, storeDir: path.join(options.workDir, 'store'), bundleDir: options.bundleDir,
    executionProvider: 'cpu' }, { onLog: (level, m) => options.log(`${level}: ${m}`) });
  try {
    options.log(`indexing ${files} files rebuilt from ${options.chunks.length} run chunks` +
      (leaveOut.size > 0 ? ` (${leaveOut.size} held-out files left out)` : ''));
    const started = Date.now();
    let tick: ((done: number) => void) | null = null;
    const summary = await engine.index({
      onProgress: (p) => {
        if (p.filesTotal === 0) return;
        tick ??= tenthsLogger(p.filesTotal, 'indexed files', options.log);
        tick(p.filesDone);
      },
    });
    // Identical chunks share one compression, so these two counts add up to fewer than the rows stored.
    options.log(`indexed in ${((Date.now() - started) / 1000).toFixed(0)} s: ${summary.chunksCompressed} distinct chunks ` +
      `compressed, ${summary.chunksReused} reused from the store`);
  } catch (err) {
    await engine.close();
    throw err;
  }
  return { engine, files };
}
