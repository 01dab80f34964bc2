/**
 * The store's tables and the version stamped on them. Bump STORE_SCHEMA_VERSION on any change to these
 * schemas: an older store is then rebuilt instead of being misread.
 */
import * as arrow from 'apache-arrow';

/**
 * 2: chunk text is redacted for secret values before compression and the lexical column (chunking/secret-values.ts),
 * and content_hash hashes the chunk's lines as on disk. Version-1 stores may hold keys pasted into source files, so
 * they are rebuilt rather than reused.
 */
export const STORE_SCHEMA_VERSION = 2;

export const CHUNKS_TABLE = 'chunks';
export const FILES_TABLE = 'files';
export const RETIRED_TABLE = 'retired_memories';
export const META_TABLE = 'meta';

function vectorField(dim: number): arrow.Field {
  // fp16 halves the store; the norm column restores the scale the generator needs.
  return new arrow.Field('vector', new arrow.FixedSizeList(dim, new arrow.Field('item', new arrow.Float16(), true)), false);
}

export function chunksSchema(dim: number): arrow.Schema {
  return new arrow.Schema([
    new arrow.Field('id', new arrow.Utf8(), false),
    new arrow.Field('path', new arrow.Utf8(), false),
    new arrow.Field('start_line', new arrow.Int32(), false),
    new arrow.Field('end_line', new arrow.Int32(), false),
    new arrow.Field('symbol', new arrow.Utf8(), true),
    new arrow.Field('language', new arrow.Utf8(), false),
    new arrow.Field('content_hash', new arrow.Utf8(), false),
    new arrow.Field('model_version', new arrow.Utf8(), false),
    vectorField(dim),
    new arrow.Field('norm', new arrow.Float32(), false),
    new arrow.Field('lexical', new arrow.Utf8(), false),
  ]);
}

export function filesSchema(): arrow.Schema {
  return new arrow.Schema([
    new arrow.Field('path', new arrow.Utf8(), false),
    new arrow.Field('content_hash', new arrow.Utf8(), true),
    new arrow.Field('mtime', new arrow.Float64(), false),
    new arrow.Field('size', new arrow.Float64(), false),
    new arrow.Field('status', new arrow.Utf8(), false),
    new arrow.Field('reason', new arrow.Utf8(), true),
    new arrow.Field('chunks', new arrow.Int32(), false),
  ]);
}

/** Memories of chunks no longer in the workspace, kept so that content coming back is not compressed again. */
export function retiredSchema(dim: number): arrow.Schema {
  return new arrow.Schema([
    new arrow.Field('content_hash', new arrow.Utf8(), false),
    new arrow.Field('model_version', new arrow.Utf8(), false),
    vectorField(dim),
    new arrow.Field('norm', new arrow.Float32(), false),
    new arrow.Field('retired_at', new arrow.Float64(), false),
  ]);
}

export function metaSchema(): arrow.Schema {
  return new arrow.Schema([
    new arrow.Field('key', new arrow.Utf8(), false),
    new arrow.Field('value', new arrow.Utf8(), false),
  ]);
}

export interface ChunkRow {
  id: string;
  path: string;
  start_line: number;
  end_line: number;
  symbol: string | null;
  language: string;
  content_hash: string;
  model_version: string;
  vector: number[] | Float32Array;
  norm: number;
  lexical: string;
}

export type FileStatus = 'indexed' | 'skipped';

export interface FileRecord {
  path: string;
  contentHash: string | null;
  mtimeMs: number;
  size: number;
  status: FileStatus;
  reason: string | null;
  chunks: number;
}

/** A stored memory in its stored form: the unit-length vector and the norm that scales it back. */
export interface StoredMemory {
  vector: Float32Array;
  norm: number;
}
