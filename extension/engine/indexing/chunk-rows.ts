/**
 * Turns chunks into store rows: memories reused by content hash where the store has them, the rest compressed in
 * batches through the bundle's compressor. Identical chunks inside one batch are compressed once.
 */
import { createHash } from 'node:crypto';
import { type Chunk, formatDoc } from '../chunking/chunk-file';
import type { ModelBundle } from '../engine-parts';
import { chunkLexicalText } from '../store/lexical-terms';
import { type MemoryStore, normaliseMemory } from '../store/memory-store';
import type { ChunkRow, StoredMemory } from '../store/store-schema';

/** Chunks per compressor call: large enough to amortise a session run, small enough to pause promptly. */
export const COMPRESS_BATCH = 16;

export function chunkId(chunk: Chunk): string {
  return createHash('sha256')
    .update(`${chunk.path}\u0000${chunk.startLine}\u0000${chunk.endLine}\u0000${chunk.contentHash}`)
    .digest('hex')
    .slice(0, 32);
}

export interface RowsResult {
  rows: ChunkRow[];
  compressed: number;
  reused: number;
}

/**
 * Builds rows for `chunks`. `between` runs before each compressor call (the pause/cancel point); it may throw to
 * abandon the batch, which is fine: nothing was written yet.
 */
export async function buildChunkRows(
  bundle: ModelBundle,
  store: MemoryStore,
  chunks: Chunk[],
  between: () => Promise<void>,
): Promise<RowsResult> {
  const version = bundle.manifest.version;
  const memories = await store.findMemories(chunks.map((c) => c.contentHash));
  const reusedHashes = new Set(memories.keys());
  const pending = new Map<string, Chunk>();
  for (const c of chunks) if (!memories.has(c.contentHash) && !pending.has(c.contentHash)) pending.set(c.contentHash, c);
  const todo = [...pending.values()];
  for (let i = 0; i < todo.length; i += COMPRESS_BATCH) {
    await between();
    const group = todo.slice(i, i + COMPRESS_BATCH);
    const encoded = await bundle.compressor.encode(group.map((c) => formatDoc(bundle.manifest.doc_template, c.path, c.code)));
    group.forEach((c, j) => memories.set(c.contentHash, normaliseMemory(encoded[j])));
  }
  const rows = chunks.map((c) => toRow(c, version, memories.get(c.contentHash) as StoredMemory));
  let reused = 0;
  for (const c of chunks) if (reusedHashes.has(c.contentHash)) reused++;
  return { rows, compressed: todo.length, reused };
}

function toRow(chunk: Chunk, modelVersion: string, memory: StoredMemory): ChunkRow {
  return {
    id: chunkId(chunk),
    path: chunk.path,
    start_line: chunk.startLine,
    end_line: chunk.endLine,
    symbol: chunk.symbol,
    language: chunk.language,
    content_hash: chunk.contentHash,
    model_version: modelVersion,
    vector: memory.vector,
    norm: memory.norm,
    lexical: chunkLexicalText(chunk.path, chunk.symbol, chunk.code),
  };
}
