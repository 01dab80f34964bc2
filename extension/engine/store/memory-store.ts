/**
 * The only module that talks to LanceDB. An embedded database under <storeDir>/lance holds the chunks (metadata, the
 * unit-length flat memory in fp16 and its norm, and a bag of words for BM25), the files (hash, mtime, status,
 * skip reason), retired memories (for content that comes back) and a meta record (schema and model version).
 * Every write of a batch of files is one commit per table, chunks first: a reader sees a file either fully old or
 * fully new, and the files table — written last — is what tells a resumed run which files are done.
 */
import * as lancedb from '@lancedb/lancedb';
import type * as arrow from 'apache-arrow';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import * as path from 'node:path';
import type { MemoryReader, ScoredChunk, StoredChunk } from '../engine-parts';
import { rowsToTable } from './arrow-rows';
import { encodeFloat16 } from './float16';
import { ensureLanceCpuThreads } from './lance-threads';
import { lexicalTerms } from './lexical-terms';
import { type MatrixRow, MemoryMatrix } from './memory-matrix';
import { isAlive } from './writer-lock';
import {
  CHUNKS_TABLE, type ChunkRow, chunksSchema, FILES_TABLE, type FileRecord, filesSchema, META_TABLE, metaSchema,
  RETIRED_TABLE, retiredSchema, STORE_SCHEMA_VERSION, type StoredMemory,
} from './store-schema';

export interface StoreIdentity {
  modelVersion: string;
  /** L·d of the bundle: the width of the vector column. */
  dim: number;
}

export interface CommitBatch {
  chunks: ChunkRow[];
  files: FileRecord[];
  /** Paths whose previous chunks are replaced by `chunks` (any old chunk not in it is dropped). */
  replacePaths: string[];
  /** Paths gone from the workspace: their chunks and file records are dropped. */
  removePaths: string[];
}

/** Retired memories kept at most; the oldest go first. */
const RETIRED_CAP = 50_000;
const FILTER_GROUP = 200;
const META_COLUMNS = ['id', 'path', 'start_line', 'end_line', 'symbol', 'language', 'content_hash', 'model_version'];

export function sqlString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

function inList(column: string, values: string[]): string {
  return `${column} IN (${values.map(sqlString).join(', ')})`;
}

function groups<T>(items: T[], size = FILTER_GROUP): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function toStoredChunk(row: Record<string, unknown>): StoredChunk {
  return {
    id: String(row.id),
    path: String(row.path),
    startLine: Number(row.start_line),
    endLine: Number(row.end_line),
    symbol: row.symbol == null ? null : String(row.symbol),
    language: String(row.language),
    contentHash: String(row.content_hash),
    modelVersion: String(row.model_version),
  };
}

function readVector(value: unknown): Float32Array {
  return Float32Array.from(value as Iterable<number>);
}

/** A chunk row as search's matrix holds it: the fp16 bits the table stores for its vector. */
function matrixRow(row: ChunkRow, dim: number): MatrixRow {
  const bits = new Uint16Array(dim);
  encodeFloat16(row.vector, bits);
  return { chunk: toStoredChunk(row as unknown as Record<string, unknown>), bits, offset: 0, norm: row.norm };
}

/** Search's matrix read from a chunks table (every row, as stored), or those rows appended to `into`. */
export async function readMemoryMatrix(chunks: lancedb.Table, dim: number, into?: MemoryMatrix): Promise<MemoryMatrix> {
  const matrix = into ?? new MemoryMatrix(dim, (await chunks.countRows()) + 64);
  // Batch by batch: the whole table as one Arrow table would double the memory the load needs.
  for await (const batch of chunks.query().select([...META_COLUMNS, 'vector', 'norm'])) {
    const meta = META_COLUMNS.map((name) => batch.getChild(name) as arrow.Vector);
    const norms = batch.getChild('norm') as arrow.Vector;
    let i = 0;
    for (const data of (batch.getChild('vector') as arrow.Vector<arrow.FixedSizeList>).data) {
      // apache-arrow slices a child's value buffer with its data: row j's values start at j · dim.
      const bits = data.children[0].values as Uint16Array;
      for (let j = 0; j < data.length; j++, i++) {
        const row: Record<string, unknown> = {};
        META_COLUMNS.forEach((name, c) => { row[name] = meta[c].get(i); });
        matrix.append({ chunk: toStoredChunk(row), bits, offset: j * dim, norm: Number(norms.get(i)) });
      }
    }
  }
  return matrix;
}

/** Splits an un-normalised flat memory into the stored unit vector and its norm. */
export function normaliseMemory(memory: Float32Array): StoredMemory {
  let sum = 0;
  for (let i = 0; i < memory.length; i++) sum += memory[i] * memory[i];
  const norm = Math.sqrt(sum);
  const vector = new Float32Array(memory.length);
  if (norm > 0) for (let i = 0; i < memory.length; i++) vector[i] = memory[i] / norm;
  return { vector, norm };
}

const STAGING_MARK = '.creating-';

/**
 * Upper bounds for LanceDB's caches, per store: its defaults (6 GiB for indices, 1 GiB for file metadata) are more
 * than an editor's extension host should ever give it. The growth measured while indexing did not come from these
 * caches (a session of 1 MiB grew the same); it follows the fragment count, see the indexer's batch sizes.
 */
const INDEX_CACHE_BYTES = 256 * 1024 * 1024;
const METADATA_CACHE_BYTES = 64 * 1024 * 1024;

function connectDb(dir: string): Promise<lancedb.Connection> {
  const session = new lancedb.Session(BigInt(INDEX_CACHE_BYTES), BigInt(METADATA_CACHE_BYTES));
  return lancedb.connect(dir, { readConsistencyInterval: 0 }, session);
}

/**
 * What the store holds, kept in memory while indexing so that a batch of new files costs no table scan: the reuse
 * lookup asks only for hashes that exist, and a batch whose paths have no rows yet is appended instead of merged.
 * Valid only at `versions`: when another process has written since, it is read again.
 */
interface KnownRows {
  /** Content hashes of chunks and of retired memories. */
  hashes: Set<string>;
  /** Paths with at least one chunk row (a killed run can leave chunks without a file record). */
  chunkPaths: Set<string>;
  /** Paths with a file record. */
  filePaths: Set<string>;
  /** The chunks/files/retired table versions these sets describe. */
  versions: string;
}

export class MemoryStore implements MemoryReader {
  private lexicalReady: boolean | null = null;
  private known: KnownRows | null = null;
  /** Search's in-memory copy of the chunks table, valid at chunks table version `matrixVersion`. */
  private matrix: MemoryMatrix | null = null;
  private matrixVersion = -1;
  private matrixLoading: Promise<MemoryMatrix> | null = null;

  private constructor(
    readonly storeDir: string,
    private readonly db: lancedb.Connection,
    private readonly chunks: lancedb.Table,
    private readonly files: lancedb.Table,
    private readonly retired: lancedb.Table,
    private readonly meta: lancedb.Table,
    readonly identity: StoreIdentity,
  ) {}

  /**
   * Opens (or creates) the store. A store of another schema or model version, or one that cannot be read, is
   * dropped and recreated; `rebuilt` then says why, for the log and the user.
   */
  static async open(storeDir: string, identity: StoreIdentity): Promise<{ store: MemoryStore; rebuilt: string | null }> {
    ensureLanceCpuThreads(); // before LanceDB's first work in this process: its full-text build deadlocks on one thread
    const dbDir = path.join(storeDir, 'lance');
    let rebuilt: string | null = null;
    await MemoryStore.removeStaleStaging(storeDir);
    try {
      // Inside the try: a file where the database folder should be is a damaged store too, rebuilt below.
      const existing = await stat(dbDir).catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return null;
        throw err;
      });
      if (existing !== null && !existing.isDirectory()) throw new Error(`${dbDir} is not a folder`);
      if (existing === null) {
        const db = await MemoryStore.createFresh(dbDir, identity);
        return { store: await MemoryStore.attach(storeDir, db, identity), rebuilt: null };
      }
      const db = await connectDb(dbDir);
      if ((await db.tableNames()).length === 0) {
        // An empty folder is a store that was never written (or made by hand): create it whole, nothing is lost.
        db.close();
        const fresh = await MemoryStore.createFresh(dbDir, identity);
        return { store: await MemoryStore.attach(storeDir, fresh, identity), rebuilt: null };
      }
      const mismatch = await MemoryStore.checkMeta(db, identity);
      if (mismatch === null) return { store: await MemoryStore.attach(storeDir, db, identity), rebuilt: null };
      rebuilt = mismatch;
      db.close();
    } catch (err) {
      const reason = (err as Error).message.split('\n')[0];
      // Access and resource errors are not damage: removing the store would throw a good index away (another user's
      // index, a read-only share, too many open files). Refuse clearly and leave it as it is.
      if (/permission denied|os error (1|13|24)\b|EACCES|EPERM|EMFILE|ENFILE|too many open files/i.test(reason)) {
        throw new Error(`the index at ${dbDir} cannot be read (${reason}); it is left as it is`);
      }
      rebuilt = `the store could not be read (${reason}); rebuilding it`;
    }
    const db = await MemoryStore.createFresh(dbDir, identity);
    return { store: await MemoryStore.attach(storeDir, db, identity), rebuilt };
  }

  /**
   * A new store is built complete (every table and its meta record) in a staging folder and renamed into place, so a
   * process killed while creating it leaves either no store or a whole one — never one that must be rebuilt.
   */
  private static async createFresh(dbDir: string, identity: StoreIdentity): Promise<lancedb.Connection> {
    const staging = `${dbDir}${STAGING_MARK}${process.pid}-${Date.now()}`;
    await mkdir(staging, { recursive: true });
    const draft = await connectDb(staging);
    await MemoryStore.attach(path.dirname(dbDir), draft, identity);
    draft.close();
    await rm(dbDir, { recursive: true, force: true });
    await rename(staging, dbDir);
    return connectDb(dbDir);
  }

  /** Staging folders left by a process killed while creating a store. */
  private static async removeStaleStaging(storeDir: string): Promise<void> {
    const names = await readdir(storeDir).catch(() => [] as string[]);
    for (const name of names) {
      if (!name.startsWith(`lance${STAGING_MARK}`)) continue;
      // Another process may be creating its store right now: only a dead creator's folder is removed.
      const pid = Number(name.slice(`lance${STAGING_MARK}`.length).split('-')[0]);
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) continue;
      await rm(path.join(storeDir, name), { recursive: true, force: true });
    }
  }

  /**
   * The model version and memory size an existing store was built with, read without changing anything (open()
   * rebuilds a store of another version); null where there is no store to read.
   */
  static async builtWith(storeDir: string): Promise<StoreIdentity | null> {
    const dbDir = path.join(storeDir, 'lance');
    const existing = await stat(dbDir).catch(() => null);
    if (existing === null || !existing.isDirectory()) return null;
    const db = await connectDb(dbDir).catch(() => null);
    if (db === null) return null;
    try {
      if (!(await db.tableNames()).includes(META_TABLE)) return null;
      const meta = await MemoryStore.readMeta(await db.openTable(META_TABLE));
      return meta.model_version === undefined ? null : { modelVersion: meta.model_version, dim: Number(meta.dim) };
    } catch {
      return null;
    } finally {
      db.close();
    }
  }

  /** null when the existing store matches (or is new); else why it must be rebuilt. */
  private static async checkMeta(db: lancedb.Connection, identity: StoreIdentity): Promise<string | null> {
    const names = await db.tableNames();
    if (names.length === 0) return null;
    const required = [CHUNKS_TABLE, FILES_TABLE, RETIRED_TABLE, META_TABLE];
    const missing = required.filter((n) => !names.includes(n));
    if (missing.length > 0) return `the store is incomplete (no ${missing.join(', ')} table); rebuilding it`;
    const meta = await MemoryStore.readMeta(await db.openTable(META_TABLE));
    if (meta.schema_version !== String(STORE_SCHEMA_VERSION)) {
      return `store schema ${meta.schema_version ?? '?'} differs from ${STORE_SCHEMA_VERSION}; rebuilding the index`;
    }
    if (meta.model_version !== identity.modelVersion || meta.dim !== String(identity.dim)) {
      return `the index was built with model ${meta.model_version ?? '?'}, the bundle is ${identity.modelVersion}; ` +
        'rebuilding the index';
    }
    // Reading one narrow column opens every data file, so a truncated or corrupt file surfaces now rather than in the
    // middle of a search (countRows() alone reads only the manifest and misses damaged data files).
    for (const name of [CHUNKS_TABLE, FILES_TABLE, RETIRED_TABLE]) {
      await (await db.openTable(name)).query().select([name === FILES_TABLE ? 'path' : 'content_hash']).toArray();
    }
    return null;
  }

  private static async readMeta(table: lancedb.Table): Promise<Record<string, string>> {
    const rows = await table.query().toArray();
    return Object.fromEntries(rows.map((r) => [String(r.key), String(r.value)]));
  }

  private static async attach(storeDir: string, db: lancedb.Connection, identity: StoreIdentity): Promise<MemoryStore> {
    const names = new Set(await db.tableNames());
    const table = async (name: string, schema: Parameters<lancedb.Connection['createEmptyTable']>[1]) =>
      names.has(name) ? db.openTable(name) : db.createEmptyTable(name, schema);
    const store = new MemoryStore(
      storeDir,
      db,
      await table(CHUNKS_TABLE, chunksSchema(identity.dim)),
      await table(FILES_TABLE, filesSchema()),
      await table(RETIRED_TABLE, retiredSchema(identity.dim)),
      await table(META_TABLE, metaSchema()),
      identity,
    );
    if (!names.has(META_TABLE)) {
      await store.writeMeta({
        schema_version: String(STORE_SCHEMA_VERSION),
        model_version: identity.modelVersion,
        dim: String(identity.dim),
      });
    }
    return store;
  }

  private async writeMeta(values: Record<string, string>): Promise<void> {
    const rows = Object.entries(values).map(([key, value]) => ({ key, value }));
    await this.meta.mergeInsert('key').whenMatchedUpdateAll().whenNotMatchedInsertAll()
      .execute(lancedb.makeArrowTable(rows, { schema: metaSchema() }));
  }

  async lastUpdate(): Promise<string | null> {
    return (await MemoryStore.readMeta(this.meta)).last_update ?? null;
  }

  /** Every file the store knows, indexed or skipped, by path. */
  async fileRecords(): Promise<Map<string, FileRecord>> {
    const rows = await this.files.query().toArray();
    const out = new Map<string, FileRecord>();
    for (const r of rows) {
      out.set(String(r.path), {
        path: String(r.path),
        contentHash: r.content_hash == null ? null : String(r.content_hash),
        mtimeMs: Number(r.mtime),
        size: Number(r.size),
        status: r.status === 'skipped' ? 'skipped' : 'indexed',
        reason: r.reason == null ? null : String(r.reason),
        chunks: Number(r.chunks),
      });
    }
    return out;
  }

  private async versions(): Promise<string> {
    const [c, f, r] = await Promise.all([this.chunks.version(), this.files.version(), this.retired.version()]);
    return `${c}/${f}/${r}`;
  }

  /** The known rows, read again when any table changed since they were last brought up to date. */
  private async knownRows(): Promise<KnownRows> {
    const versions = await this.versions();
    if (this.known?.versions === versions) return this.known;
    const [chunkRows, retiredRows, fileRows] = await Promise.all([
      this.chunks.query().select(['content_hash', 'path']).toArray(),
      this.retired.query().select(['content_hash']).toArray(),
      this.files.query().select(['path']).toArray(),
    ]);
    this.known = {
      hashes: new Set([...chunkRows, ...retiredRows].map((r) => String(r.content_hash))),
      chunkPaths: new Set(chunkRows.map((r) => String(r.path))),
      filePaths: new Set(fileRows.map((r) => String(r.path))),
      versions,
    };
    return this.known;
  }

  /** Stored memories for chunk content hashes, from live chunks first, then from retired ones. */
  async findMemories(hashes: string[]): Promise<Map<string, StoredMemory>> {
    const found = new Map<string, StoredMemory>();
    // Only hashes the store holds are looked up: for new content (most of a first index) no table is scanned.
    const known = await this.knownRows();
    const wanted = [...new Set(hashes)].filter((h) => known.hashes.has(h));
    for (const table of [this.chunks, this.retired]) {
      const missing = wanted.filter((h) => !found.has(h));
      for (const group of groups(missing)) {
        const rows = await table.query().where(inList('content_hash', group))
          .select(['content_hash', 'vector', 'norm']).toArray();
        for (const r of rows) {
          const hash = String(r.content_hash);
          if (!found.has(hash)) found.set(hash, { vector: readVector(r.vector), norm: Number(r.norm) });
        }
      }
    }
    return found;
  }

  /** Writes one batch: chunks (one commit), then file records (one commit), then the update time. */
  async commit(batch: CommitBatch): Promise<void> {
    const known = await this.knownRows();
    try {
      await this.write(batch, known);
    } catch (err) {
      this.known = null; // part of the batch may be written: read the tables again next time
      throw err;
    }
  }

  private async write(batch: CommitBatch, known: KnownRows): Promise<void> {
    const affected = [...batch.replacePaths, ...batch.removePaths];
    // Only paths that have chunk rows can lose any: the others need no retire, no delete and no merge.
    const withRows = affected.filter((p) => known.chunkPaths.has(p));
    const matrix = this.matrix;
    const matrixVersion = this.matrixVersion;
    const matrixInSync = matrix !== null && matrixVersion === await this.chunks.version();
    if (withRows.length > 0) await this.retire(withRows, new Set(batch.chunks.map((c) => c.content_hash)));
    if (batch.chunks.length > 0) {
      const data = rowsToTable(chunksSchema(this.identity.dim), batch.chunks as unknown as Record<string, unknown>[]);
      // A chunk id includes its path, so rows of paths without rows cannot match any stored id: a plain append.
      if (withRows.length === 0) await this.chunks.add(data);
      else {
        await this.chunks.mergeInsert('id').whenMatchedUpdateAll().whenNotMatchedInsertAll()
          .whenNotMatchedBySourceDelete({ where: inList('path', withRows) }).execute(data);
      }
    } else {
      for (const group of groups(withRows)) await this.chunks.delete(inList('path', group));
    }
    if (matrixInSync && this.matrix === matrix && this.matrixVersion === matrixVersion) {
      // This process's own commit: search's copy follows it instead of reading the whole table again.
      matrix.removePaths(affected);
      for (const row of batch.chunks) matrix.append(matrixRow(row, this.identity.dim));
      this.matrixVersion = await this.chunks.version();
    }
    if (batch.files.length > 0) {
      const rows = batch.files.map((f) => ({
        path: f.path, content_hash: f.contentHash, mtime: f.mtimeMs, size: f.size, status: f.status, reason: f.reason,
        chunks: f.chunks,
      }));
      const table = lancedb.makeArrowTable(rows, { schema: filesSchema() });
      const paths = new Set(batch.files.map((f) => f.path));
      const allNew = batch.removePaths.length === 0 && paths.size === batch.files.length &&
        [...paths].every((p) => !known.filePaths.has(p));
      if (allNew) {
        await this.files.add(table);
      } else {
        let merge = this.files.mergeInsert('path').whenMatchedUpdateAll().whenNotMatchedInsertAll();
        if (batch.removePaths.length > 0 && batch.removePaths.length <= FILTER_GROUP) {
          merge = merge.whenNotMatchedBySourceDelete({ where: inList('path', batch.removePaths) });
          await merge.execute(table);
        } else {
          await merge.execute(table);
          for (const group of groups(batch.removePaths)) await this.files.delete(inList('path', group));
        }
      }
    } else {
      for (const group of groups(batch.removePaths)) await this.files.delete(inList('path', group));
    }
    for (const p of affected) known.chunkPaths.delete(p);
    for (const c of batch.chunks) { known.chunkPaths.add(c.path); known.hashes.add(c.content_hash); }
    for (const p of batch.removePaths) known.filePaths.delete(p);
    for (const f of batch.files) known.filePaths.add(f.path);
    known.versions = await this.versions();
    if (batch.chunks.length > 0 || affected.length > 0) {
      await this.writeMeta({ last_update: new Date().toISOString() });
    }
  }

  /** Keeps the memories of chunks about to disappear, so that the same content coming back is not recompressed. */
  private async retire(paths: string[], keep: Set<string>): Promise<void> {
    const now = Date.now();
    const rows: Record<string, unknown>[] = [];
    const seen = new Set<string>();
    for (const group of groups(paths)) {
      const old = await this.chunks.query().where(inList('path', group))
        .select(['content_hash', 'model_version', 'vector', 'norm']).toArray();
      for (const r of old) {
        const hash = String(r.content_hash);
        if (keep.has(hash) || seen.has(hash)) continue;
        seen.add(hash);
        rows.push({ content_hash: hash, model_version: String(r.model_version), vector: readVector(r.vector),
          norm: Number(r.norm), retired_at: now });
      }
    }
    if (rows.length === 0) return;
    await this.retired.mergeInsert('content_hash').whenMatchedUpdateAll().whenNotMatchedInsertAll()
      .execute(rowsToTable(retiredSchema(this.identity.dim), rows));
  }

  /**
   * Makes sure the BM25 index over the lexical column exists. Once built it is not rebuilt per run: LanceDB searches
   * rows added since by a flat scan, honours deletions, and folds new rows into the index on optimize() (compact).
   */
  async refreshLexicalIndex(): Promise<void> {
    const exists = (await this.chunks.listIndices()).some((i) => i.columns.includes('lexical'));
    if (!exists) {
      if ((await this.chunks.countRows()) === 0) {
        this.lexicalReady = false;
        return;
      }
      await this.chunks.createIndex('lexical', { config: lancedb.Index.fts({ withPosition: false }) });
    }
    this.lexicalReady = true;
  }

  /** Drops old table versions and the oldest retired memories, so bytes on disk track what is live. */
  async compact(): Promise<void> {
    // Compaction rewrites files, not content (the retired cap only drops hashes, which the known set may keep: a
    // lookup then finds nothing). What was in sync before stays in sync at the new versions.
    const knownInSync = this.known !== null && this.known.versions === await this.versions();
    const matrixInSync = this.matrix !== null && this.matrixVersion === await this.chunks.version();
    const matrix = this.matrix;
    const retiredCount = await this.retired.countRows();
    if (retiredCount > RETIRED_CAP) {
      const rows = await this.retired.query().select(['retired_at']).toArray();
      const times = rows.map((r) => Number(r.retired_at)).sort((a, b) => a - b);
      await this.retired.delete(`retired_at <= ${times[retiredCount - RETIRED_CAP - 1]}`);
    }
    for (const table of [this.chunks, this.files, this.retired, this.meta]) {
      // Every version but the compacted one goes: the run's own last commits are seconds old at most, and keeping
      // them kept every pre-compaction data file (the store was twice its size). We hold the writer lock, so no
      // other writer has files in flight; a reader on an old version re-reads the latest on its next query.
      await table.optimize({ cleanupOlderThan: new Date(), deleteUnverified: true });
    }
    if (knownInSync && this.known) this.known.versions = await this.versions();
    if (matrixInSync && this.matrix === matrix) this.matrixVersion = await this.chunks.version();
  }

  async counts(): Promise<{ files: number; chunks: number }> {
    return { files: await this.files.countRows("status = 'indexed'"), chunks: await this.chunks.countRows() };
  }

  async skippedFiles(): Promise<{ path: string; reason: string }[]> {
    const rows = await this.files.query().where("status = 'skipped'").select(['path', 'reason']).toArray();
    return rows.map((r) => ({ path: String(r.path), reason: String(r.reason ?? 'skipped') }))
      .sort((a, b) => (a.path < b.path ? -1 : 1));
  }

  /** Every chunk's metadata (tests, the inspector's index listing). */
  async allChunks(): Promise<StoredChunk[]> {
    const rows = await this.chunks.query().select(META_COLUMNS).toArray();
    return rows.map(toStoredChunk);
  }

  /** Exact flat cosine over every chunk, on the in-memory copy of the table's memories. */
  async nearest(queryMemory: Float32Array, k: number): Promise<ScoredChunk[]> {
    if (k <= 0) return [];
    return (await this.currentMatrix()).nearest(queryMemory, k);
  }

  /**
   * Search's copy of the chunks table at its latest version: kept while the table is unchanged (or changed only by
   * this process's commits, which update it), read whole again when another process wrote or compacted.
   */
  private async currentMatrix(): Promise<MemoryMatrix> {
    const version = await this.chunks.version();
    if (this.matrix !== null && this.matrixVersion === version) return this.matrix;
    if (this.matrixLoading === null) {
      this.matrixLoading = this.loadMatrix().finally(() => { this.matrixLoading = null; });
    }
    return this.matrixLoading;
  }

  private async loadMatrix(): Promise<MemoryMatrix> {
    // The version is read first: the rows read after it are at least that new, so a later check can only reload.
    const version = await this.chunks.version();
    const matrix = await readMemoryMatrix(this.chunks, this.identity.dim);
    this.matrix = matrix;
    this.matrixVersion = version;
    return matrix;
  }

  async lexical(question: string, k: number): Promise<ScoredChunk[]> {
    if (k <= 0) return [];
    // Only a positive answer is cached: another process (the CLI, the extension) may build the index later.
    if (this.lexicalReady !== true) {
      this.lexicalReady = (await this.chunks.listIndices()).some((i) => i.columns.includes('lexical'));
    }
    if (!this.lexicalReady) return [];
    const terms = lexicalTerms(question, 64);
    if (terms.length === 0) return [];
    const rows = await this.chunks.query().fullTextSearch(terms.join(' '), { columns: 'lexical' })
      .select([...META_COLUMNS, '_score']).limit(k).toArray();
    return rows.map((r) => ({ ...toStoredChunk(r), score: Number(r._score) }));
  }

  async memories(chunkIds: string[]): Promise<Float32Array[]> {
    const matrix = await this.currentMatrix();
    return chunkIds.map((id) => {
      const memory = matrix.memory(id);
      if (!memory) throw new Error(`memory ${id} is no longer in the index (it changed since the search); ask again`);
      return memory;
    });
  }

  /** Empties every table (keeps the meta record). */
  async clear(): Promise<void> {
    await this.chunks.delete('true');
    await this.files.delete('true');
    await this.retired.delete('true');
    this.lexicalReady = false;
    this.known = null;
    this.matrix = null;
    await this.meta.delete(`key = 'last_update'`);
    await this.compact();
  }

  close(): void {
    this.db.close();
  }
}

/** Total size of the files under a folder (the store's footprint for the inspector). */
export async function bytesOnDisk(dir: string): Promise<number> {
  let total = 0;
  const stack = [dir];
  while (stack.length > 0) {
    const current = stack.pop() as string;
    let entries;
    try {
      entries = await readdir(current, { withFileTypes: true });
    } catch {
      continue; // removed meanwhile (a cleanup) — it no longer counts
    }
    for (const e of entries) {
      const p = path.join(current, e.name);
      if (e.isDirectory()) stack.push(p);
      else if (e.isFile()) total += (await stat(p).catch(() => null))?.size ?? 0;
    }
  }
  return total;
}
