/**
 * What the store tests share: a few sources in four languages, and their rows built the indexer's way (the real
 * chunker, reuse by content hash and the bundle's compressor).
 */
import { chunkFile } from '../../extension/engine/chunking/chunk-file';
import type { ModelBundle } from '../../extension/engine/engine-parts';
import { buildChunkRows } from '../../extension/engine/indexing/chunk-rows';
import type { MemoryStore, StoreIdentity } from '../../extension/engine/store/memory-store';
import type { ChunkRow, FileRecord } from '../../extension/engine/store/store-schema';

export const SOURCES: Record<string, string> = {
  'src/cart.py': 'def add_to_cart(cart, item):\n    cart.append(item)\n    return len(cart)\n',
  'src/auth.ts': 'export function verifyPasswordHash(password: string, hash: string): boolean {\n  return hash === password;\n}\n',
  'src/math.go': 'package math\n\nfunc GreatestCommonDivisor(a, b int) int {\n\tfor b != 0 {\n\t\ta, b = b, a%b\n\t}\n\treturn a\n}\n',
  'src/http_client.rs': 'pub fn fetch_with_retry(url: &str, attempts: u32) -> Result<String, String> {\n    Err(url.to_string())\n}\n',
};

/** The identity a store of `bundle` is keyed by. */
export function storeIdentity(bundle: ModelBundle): StoreIdentity {
  return { modelVersion: bundle.manifest.version, dim: bundle.manifest.mem_tokens * bundle.manifest.hidden };
}

/** Rows and file records for `sources`, memories reused from `store` where it has them. */
export async function rowsFor(
  bundle: ModelBundle,
  sources: Record<string, string>,
  store: MemoryStore,
): Promise<{ rows: ChunkRow[]; files: FileRecord[]; compressed: number; reused: number }> {
  const chunks = [];
  const files: FileRecord[] = [];
  for (const [p, text] of Object.entries(sources)) {
    const fileChunks = await chunkFile(p, text, {
      tokenizer: bundle.tokenizer, docTemplate: bundle.manifest.doc_template, docMaxTokens: bundle.manifest.doc_max_tokens,
    });
    chunks.push(...fileChunks);
    files.push({ path: p, contentHash: `h-${p}-${text.length}`, mtimeMs: 1, size: text.length, status: 'indexed', reason: null, chunks: fileChunks.length });
  }
  const { rows, compressed, reused } = await buildChunkRows(bundle, store, chunks, async () => {});
  return { rows, files, compressed, reused };
}
