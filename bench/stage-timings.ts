/**
 * Each indexing stage's share, measured by calling the stage functions directly on the same files (the indexer
 * does not expose per-stage timings): discovery (scanWorkspace), reading (readSource), parsing and chunking
 * (chunkFile: tree-sitter + the token-budget packing, which itself counts tokens), tokenising (the bundle tokenizer
 * on the compressor's exact input text), compression (compressor.onnx in the indexer's batch size) and the store
 * (LanceDB commit of those rows into a scratch store, then the full-text index and compaction the indexer runs).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chunkFile, formatDoc, type Chunk } from '../extension/engine/chunking/chunk-file';
import { readSource } from '../extension/engine/discovery/read-source';
import { scanWorkspace } from '../extension/engine/discovery/scan-workspace';
import type { ModelBundle } from '../extension/engine/engine-parts';
import { chunkId, COMPRESS_BATCH } from '../extension/engine/indexing/chunk-rows';
import { chunkLexicalText } from '../extension/engine/store/lexical-terms';
import { MemoryStore, normaliseMemory } from '../extension/engine/store/memory-store';
import type { ChunkRow, FileRecord } from '../extension/engine/store/store-schema';

export interface StageTimings {
  /** Files the read..store stages ran on (discovery always walks the whole tree). */
  files: number;
  filesTotal: number;
  chunks: number;
  ms: { discovery: number; read: number; parse_chunk: number; tokenise: number; compress: number; store: number };
  /** Discovery prorated to the sampled files, then every stage's share of the sum. */
  share: Record<string, number>;
}

export async function measureStages(root: string, bundle: ModelBundle, maxFiles: number, excludes: string[] = []): Promise<StageTimings> {
  const m = bundle.manifest;
  const t = () => performance.now();
  let t0 = t();
  const scan = await scanWorkspace({ root, extraExcludes: excludes });
  const discovery = t() - t0;
  // Evenly spread sample, so a large tree is represented beyond its first folder.
  const step = Math.max(1, scan.files.length / maxFiles);
  const files = scan.files.filter((_, i) => Math.floor(i / step) !== Math.floor((i - 1) / step) || i === 0).slice(0, maxFiles);

  t0 = t();
  const texts: Array<{ path: string; text: string; hash: string; size: number; mtimeMs: number }> = [];
  for (const f of files) {
    const r = await readSource(f.absPath);
    if (r.ok) texts.push({ path: f.path, text: r.text, hash: r.contentHash, size: f.size, mtimeMs: f.mtimeMs });
  }
  const read = t() - t0;

  t0 = t();
  const budget = { tokenizer: bundle.tokenizer, docTemplate: m.doc_template, docMaxTokens: m.doc_max_tokens };
  const chunks: Chunk[] = [];
  const perFile = new Map<string, number>();
  for (const f of texts) {
    const c = await chunkFile(f.path, f.text, budget);
    perFile.set(f.path, c.length);
    chunks.push(...c);
  }
  const parseChunk = t() - t0;

  const docs = chunks.map((c) => formatDoc(m.doc_template, c.path, c.code));
  t0 = t();
  for (const d of docs) bundle.tokenizer.encode(d);
  const tokenise = t() - t0;

  t0 = t();
  const memories: Float32Array[] = [];
  for (let i = 0; i < docs.length; i += COMPRESS_BATCH) memories.push(...(await bundle.compressor.encode(docs.slice(i, i + COMPRESS_BATCH))));
  const compress = t() - t0;

  const scratch = mkdtempSync(join(tmpdir(), 'clara-bench-store-'));
  let store: MemoryStore | null = null;
  try {
    const rows: ChunkRow[] = chunks.map((c, i) => {
      const mem = normaliseMemory(memories[i]);
      return {
        id: chunkId(c), path: c.path, start_line: c.startLine, end_line: c.endLine, symbol: c.symbol, language: c.language,
        content_hash: c.contentHash, model_version: m.version, vector: mem.vector, norm: mem.norm,
        lexical: chunkLexicalText(c.path, c.symbol, c.code),
      };
    });
    const records: FileRecord[] = texts.map((f) => ({
      path: f.path, contentHash: f.hash, mtimeMs: f.mtimeMs, size: f.size, status: 'indexed', reason: null,
      chunks: perFile.get(f.path) ?? 0,
    }));
    store = (await MemoryStore.open(scratch, { modelVersion: m.version, dim: m.mem_tokens * m.hidden })).store;
    t0 = t();
    // The indexer commits 32 chunks at a time; the same granularity here, file records in the last commit.
    for (let i = 0; i < rows.length; i += 32) {
      await store.commit({ chunks: rows.slice(i, i + 32), files: [], replacePaths: [], removePaths: [] });
    }
    await store.commit({ chunks: [], files: records, replacePaths: [], removePaths: [] });
    await store.refreshLexicalIndex();
    await store.compact();
  } finally {
    store?.close();
  }
  const storeMs = t() - t0;
  rmSync(scratch, { recursive: true, force: true });

  const ms = { discovery, read, parse_chunk: parseChunk, tokenise, compress, store: storeMs };
  const prorated = { ...ms, discovery: discovery * (files.length / Math.max(1, scan.files.length)) };
  const total = Object.values(prorated).reduce((a, b) => a + b, 0);
  const share = Object.fromEntries(Object.entries(prorated).map(([k, v]) => [k, v / total]));
  return { files: files.length, filesTotal: scan.files.length, chunks: chunks.length, ms, share };
}
