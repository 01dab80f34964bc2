/**
 * The incremental indexer: compares the workspace with the store by content hash, and only what changed is
 * chunked, compressed and committed, a batch of files at a time. Unchanged files are recognised by mtime + size
 * without reading them; a changed mtime with the same bytes only refreshes the file record. Pause, typing and
 * cancel act between batches and between compressor calls; a cancelled batch is simply not committed.
 */
import * as path from 'node:path';
import type { IndexProgress, IndexSummary, SkippedFile } from '../engine-api';
import type { ModelBundle } from '../engine-parts';
import { type ChunkBudget, chunkFile } from '../chunking/chunk-file';
import { isRuleFile } from '../discovery/ignore-rules';
import { readSource } from '../discovery/read-source';
import { type CandidateFile, type ScanResult, scanWorkspace, WorkspaceFilter } from '../discovery/scan-workspace';
import type { MemoryStore } from '../store/memory-store';
import type { ChunkRow, FileRecord } from '../store/store-schema';
import { buildChunkRows } from './chunk-rows';
import type { IndexGate } from './index-gate';

/** A batch is committed once it holds this many chunks (or twice as many files), at first. */
export const CHUNKS_PER_BATCH = 32;
/**
 * Batches grow with what the run has committed, up to this. Each commit is a LanceDB fragment, and LanceDB's memory
 * grows faster than linearly with a table's fragment count: appending 20,480 rows 32 at a time took the process's
 * anonymous memory 90 → 182 MiB, 128 at a time 118 → 128 MiB. Growing batches keep a small run's commits (and
 * progress) fine-grained and a 50,000-chunk run near 250 fragments instead of 1,560. Pause and cancel act between
 * compressor calls either way; a larger batch costs progress granularity and, on a kill, one batch's work.
 */
const MAX_CHUNKS_PER_BATCH = 256;

/** The batch size after `committed` chunks of this run: 32 until 1,024, then 1/32 of what is committed, at most 256. */
export function chunksPerBatch(committed: number): number {
  return Math.min(MAX_CHUNKS_PER_BATCH, Math.max(CHUNKS_PER_BATCH, Math.floor(committed / 32)));
}

export interface IndexerDeps {
  bundle: ModelBundle;
  store: MemoryStore;
  filter: WorkspaceFilter;
  gate: IndexGate;
  extraExcludes: string[];
  excludeDirs: string[];
  /** Notable events (a secret value redacted from a file) for the log. */
  onLog?: (level: 'info' | 'warn' | 'error', message: string) => void;
}

export interface RunOptions {
  signal?: AbortSignal;
  onProgress?: (p: IndexProgress) => void;
}

interface PendingBatch {
  files: FileRecord[];
  /** Files of this batch that were chunked (new or changed content), as opposed to touched or skipped. */
  changed: number;
  chunks: import('../chunking/chunk-file').Chunk[];
  replacePaths: string[];
}

function emptySummary(): IndexSummary {
  return { filesIndexed: 0, filesUnchanged: 0, filesRemoved: 0, filesSkipped: 0, chunksCompressed: 0, chunksReused: 0, ms: 0 };
}

/** Watcher runs between two compactions of the store's table versions. */
const COMPACT_EVERY = 20;

export class Indexer {
  private runsSinceCompact = 0;

  constructor(private readonly deps: IndexerDeps) {}

  private get budget(): ChunkBudget {
    const m = this.deps.bundle.manifest;
    return { tokenizer: this.deps.bundle.tokenizer, docTemplate: m.doc_template, docMaxTokens: m.doc_max_tokens };
  }

  /** A full pass over the workspace. */
  async indexAll(options: RunOptions): Promise<IndexSummary> {
    const started = Date.now();
    const progress: IndexProgress = { phase: 'scanning', filesTotal: 0, filesDone: 0, chunksDone: 0 };
    options.onProgress?.({ ...progress });
    this.deps.filter.rules.reset();
    const scan = await scanWorkspace({
      root: this.deps.filter.root,
      maxFileSizeBytes: this.deps.filter.maxFileSizeBytes,
      extraExcludes: this.deps.extraExcludes,
      excludeDirs: this.deps.excludeDirs,
    });
    const records = await this.deps.store.fileRecords();
    const summary = emptySummary();
    const present = new Set<string>();
    const toRead: CandidateFile[] = [];
    for (const file of scan.files) {
      present.add(file.path);
      const rec = records.get(file.path);
      if (rec && rec.status === 'indexed' && rec.mtimeMs === file.mtimeMs && rec.size === file.size) summary.filesUnchanged++;
      else toRead.push(file);
    }
    const skippedRecords: FileRecord[] = [];
    const replaceSkipped: string[] = [];
    for (const s of scan.skipped) {
      present.add(s.path);
      const rec = records.get(s.path);
      if (rec?.status === 'skipped' && rec.reason === s.reason) continue;
      if (rec?.status === 'indexed') replaceSkipped.push(s.path);
      skippedRecords.push(skipRecord(s));
    }
    summary.filesSkipped = scan.skipped.length;
    const removed = [...records.keys()].filter((p) => !present.has(p));
    // Removals and new skip reasons first: one small commit, and retired memories stay available for renames.
    if (removed.length > 0 || skippedRecords.length > 0) {
      await this.deps.store.commit({ chunks: [], files: skippedRecords, replacePaths: replaceSkipped, removePaths: removed });
    }
    summary.filesRemoved = removed.filter((p) => records.get(p)?.status === 'indexed').length;
    progress.phase = 'indexing';
    progress.filesTotal = scan.files.length;
    progress.filesDone = summary.filesUnchanged;
    await this.processFiles(toRead, records, summary, progress, options);
    await this.finishRun(summary, started, true);
    progress.phase = 'done';
    progress.filesDone = progress.filesTotal;
    progress.message = undefined;
    options.onProgress?.({ ...progress });
    return summary;
  }

  /** Re-checks specific root-relative paths (the watcher's changes) through the same incremental path. */
  async indexPaths(relPaths: string[], options: RunOptions): Promise<IndexSummary> {
    // A changed ignore file can include or exclude anything: only a full pass applies it correctly.
    if (relPaths.some(isRuleFile)) return this.indexAll(options);
    const started = Date.now();
    const records = await this.deps.store.fileRecords();
    const summary = emptySummary();
    const progress: IndexProgress = { phase: 'indexing', filesTotal: 0, filesDone: 0, chunksDone: 0 };
    const toRead: CandidateFile[] = [];
    const removed = new Set<string>();
    const skippedRecords: FileRecord[] = [];
    const replaceSkipped: string[] = [];
    const folders: string[] = [];
    for (const rel of [...new Set(relPaths)]) {
      const verdict = await this.deps.filter.classify(rel);
      if (verdict === 'directory') {
        folders.push(rel);
        continue;
      }
      if (verdict === 'missing') {
        // A deleted file, or a deleted folder: everything recorded under it goes.
        for (const p of records.keys()) if (p === rel || p.startsWith(`${rel}/`) || p === `${rel}/`) removed.add(p);
      } else if ('absPath' in verdict) {
        toRead.push(verdict);
      } else {
        const rec = records.get(rel);
        if (rec?.status === 'skipped' && rec.reason === verdict.reason) continue;
        if (rec?.status === 'indexed') replaceSkipped.push(rel);
        skippedRecords.push(skipRecord(verdict));
        summary.filesSkipped++;
      }
    }
    // A folder that appeared (a branch switch, a move, an unpacked archive) is walked here rather than trusted to
    // the watcher's per-file events: a file written into a folder before its watch is set up raises no event.
    // Files already recorded with the same mtime and size are not read again.
    const queued = new Set(toRead.map((f) => f.path));
    const skippedPaths = new Set(skippedRecords.map((r) => r.path));
    for (const folder of folders) {
      const reason = this.deps.filter.dirReason(folder, path.join(this.deps.filter.root, folder));
      const scan: ScanResult = reason ? { files: [], skipped: [{ path: `${folder}/`, reason }] } : await scanWorkspace({
        root: this.deps.filter.root, maxFileSizeBytes: this.deps.filter.maxFileSizeBytes,
        extraExcludes: this.deps.extraExcludes, excludeDirs: this.deps.excludeDirs,
      }, folder);
      for (const file of scan.files) {
        const rec = records.get(file.path);
        if (queued.has(file.path) || (rec?.status === 'indexed' && rec.mtimeMs === file.mtimeMs && rec.size === file.size)) continue;
        queued.add(file.path);
        toRead.push(file);
      }
      for (const s of scan.skipped) {
        const rec = records.get(s.path);
        if (skippedPaths.has(s.path) || (rec?.status === 'skipped' && rec.reason === s.reason)) continue;
        if (rec?.status === 'indexed') replaceSkipped.push(s.path);
        skippedPaths.add(s.path);
        skippedRecords.push(skipRecord(s));
        summary.filesSkipped++;
      }
    }
    if (removed.size > 0 || skippedRecords.length > 0) {
      await this.deps.store.commit({ chunks: [], files: skippedRecords, replacePaths: replaceSkipped, removePaths: [...removed] });
    }
    summary.filesRemoved = [...removed].filter((p) => records.get(p)?.status === 'indexed').length;
    progress.filesTotal = toRead.length;
    await this.processFiles(toRead, records, summary, progress, options);
    if (summary.filesIndexed + summary.filesRemoved + skippedRecords.length > 0) await this.finishRun(summary, started, false);
    summary.ms = Date.now() - started;
    progress.phase = 'done';
    options.onProgress?.({ ...progress });
    return summary;
  }

  /**
   * After a run: the BM25 index exists, and table versions are compacted — after every full run, but after a
   * watcher run only every COMPACT_EVERY runs, since compaction costs more than a one-file change.
   */
  private async finishRun(summary: IndexSummary, started: number, full: boolean): Promise<void> {
    await this.deps.store.refreshLexicalIndex();
    this.runsSinceCompact++;
    if (full || this.runsSinceCompact >= COMPACT_EVERY) {
      await this.deps.store.compact();
      this.runsSinceCompact = 0;
    }
    summary.ms = Date.now() - started;
  }

  private async processFiles(
    files: CandidateFile[],
    records: Map<string, FileRecord>,
    summary: IndexSummary,
    progress: IndexProgress,
    options: RunOptions,
  ): Promise<void> {
    const { gate } = this.deps;
    const between = () =>
      gate.pass(
        options.signal,
        (why) => options.onProgress?.({ ...progress, phase: 'paused', message: why === 'typing' ? 'waiting while you type' : 'paused' }),
        () => options.onProgress?.({ ...progress }),
      );
    let batch: PendingBatch = { files: [], changed: 0, chunks: [], replacePaths: [] };
    const chunksBefore = progress.chunksDone;
    const flush = async () => {
      if (batch.files.length === 0) return;
      const { rows, compressed, reused } = await buildChunkRows(this.deps.bundle, this.deps.store, batch.chunks, between);
      await between(); // the last chance to cancel before anything of this batch is written
      await this.deps.store.commit({ chunks: rows as ChunkRow[], files: batch.files, replacePaths: batch.replacePaths, removePaths: [] });
      summary.chunksCompressed += compressed;
      summary.chunksReused += reused;
      summary.filesIndexed += batch.changed;
      progress.filesDone += batch.files.length;
      progress.chunksDone += rows.length;
      progress.message = `indexed ${batch.files[batch.files.length - 1].path}`;
      options.onProgress?.({ ...progress });
      batch = { files: [], changed: 0, chunks: [], replacePaths: [] };
    };
    for (const file of files) {
      await between();
      const rec = records.get(file.path);
      const read = await readSource(file.absPath);
      if (!read.ok) {
        summary.filesSkipped++;
        if (rec?.status === 'indexed') batch.replacePaths.push(file.path);
        batch.files.push({ path: file.path, contentHash: read.contentHash ?? null, mtimeMs: file.mtimeMs, size: file.size,
          status: 'skipped', reason: read.reason, chunks: 0 });
      } else if (rec?.status === 'indexed' && rec.contentHash === read.contentHash) {
        // Touched but not changed (a checkout, a save without edits): only the record's mtime moves.
        summary.filesUnchanged++;
        batch.files.push({ ...rec, mtimeMs: file.mtimeMs, size: file.size });
      } else {
        const chunks = await chunkFile(file.path, read.text, this.budget);
        const redacted = chunks.flatMap((c) => c.redacted);
        if (redacted.length > 0) {
          // Where and what kind, never the value: the user learns that a key sits in the source.
          this.deps.onLog?.('warn', `${file.path}: ${redacted.map((r) => `line ${r.line} ${r.kind}`).join(', ')} ` +
            `redacted (not indexed)`);
        }
        batch.files.push({ path: file.path, contentHash: read.contentHash, mtimeMs: file.mtimeMs, size: file.size,
          status: 'indexed', reason: null, chunks: chunks.length });
        batch.replacePaths.push(file.path);
        batch.chunks.push(...chunks);
        batch.changed++;
      }
      const limit = chunksPerBatch(progress.chunksDone - chunksBefore);
      if (batch.chunks.length >= limit || batch.files.length >= 2 * limit) await flush();
    }
    await flush();
  }
}

function skipRecord(s: SkippedFile): FileRecord {
  return { path: s.path, contentHash: null, mtimeMs: 0, size: 0, status: 'skipped', reason: s.reason, chunks: 0 };
}
