/**
 * Retrieval: the question through query.onnx, flat-cosine nearest memories from the store, and (optionally) the
 * store's BM25 matches fused in by reciprocal rank, each list weighted as the bundle's manifest measured it
 * (`retrieval.fusion`; equal weights when absent). Every hit keeps its exact memory score (cosine) and, with fusion,
 * its lexical score, so the inspector can show both and answering can abstain on the memory score alone.
 */
import type { SearchHit } from '../engine-api';
import type { MemoryReader, ModelBundle, ScoredChunk } from '../engine-parts';
import { flatCosine } from './cosine';
import { cutQuestion, retrievalQuestion } from './question-cut';
import { reciprocalRankFusion } from './rank-fusion';

/**
 * Candidates per list before fusion: the same 200 for every top-k (up to MAX_TOP_K, 50), so that a search's top k is
 * the first k of the ranking `clara eval` measures (top-k 50). A pool that grew with k (it was max(20, 4·k)) ranked
 * differently: on 280 SWE-QA and SWE-bench Lite questions the product's top 5 at pools of 20 was the evaluated top 5 for
 * only 44, and its file Recall@5 was 0.663 against 0.674 (MRR within the top 5, 0.659 against 0.684). Deeper pools
 * cost Django's top-5 searches about 10 ms (p50 19 → 29–32 ms; docs/ARCHITECTURE.md).
 */
export const FUSION_POOL = 200;

export interface CandidateLists {
  queryMemory: Float32Array;
  /** Best first, FUSION_POOL each (or fewer where the index has fewer). */
  nearest: ScoredChunk[];
  lexical: ScoredChunk[];
}

/**
 * The two rankings fusion merges for a top-k search: the question cut to each side's budget (the query encoder's
 * window, a longer span for the lexical index), then both pools.
 */
export async function candidateLists(bundle: ModelBundle, store: MemoryReader, question: string): Promise<CandidateLists> {
  const { forMemory, forLexical } = retrievalQuestion(bundle.tokenizer, question, bundle.manifest.query_max_tokens);
  const [queryMemory] = await bundle.query.encode([forMemory]);
  const [nearest, lexical] = await Promise.all([store.nearest(queryMemory, FUSION_POOL), store.lexical(forLexical, FUSION_POOL)]);
  return { queryMemory, nearest, lexical };
}

export async function retrieve(
  bundle: ModelBundle,
  store: MemoryReader,
  question: string,
  options: { topK: number; lexicalFusion: boolean },
): Promise<SearchHit[]> {
  const topK = Math.max(1, Math.floor(options.topK));
  if (!options.lexicalFusion) {
    const [queryMemory] = await bundle.query.encode([cutQuestion(bundle.tokenizer, question, bundle.manifest.query_max_tokens)]);
    const nearest = await store.nearest(queryMemory, topK);
    return nearest.slice(0, topK).map((c, i) => toHit(c, i + 1, c.score, c.score));
  }

  const { queryMemory, nearest, lexical } = await candidateLists(bundle, store, question);
  const byId = new Map<string, ScoredChunk>();
  const memoryScore = new Map<string, number>();
  for (const c of nearest) { byId.set(c.id, c); memoryScore.set(c.id, c.score); }
  const lexicalScore = new Map<string, number>();
  for (const c of lexical) { lexicalScore.set(c.id, c.score); if (!byId.has(c.id)) byId.set(c.id, c); }

  const weights = bundle.manifest.retrieval.fusion ?? { memory_weight: 1, lexical_weight: 1 };
  const fused = reciprocalRankFusion([
    { ids: nearest.map((c) => c.id), weight: weights.memory_weight },
    { ids: lexical.map((c) => c.id), weight: weights.lexical_weight },
  ]).slice(0, topK);
  // A chunk found only lexically still gets its true memory score: computed here from its stored memory.
  const missing = fused.map((f) => f.id).filter((id) => !memoryScore.has(id));
  if (missing.length > 0) {
    const memories = await store.memories(missing);
    missing.forEach((id, i) => memoryScore.set(id, flatCosine(queryMemory, memories[i])));
  }
  return fused.map((f, i) => toHit(byId.get(f.id)!, i + 1, f.fused, memoryScore.get(f.id)!, lexicalScore.get(f.id) ?? 0));
}

function toHit(c: ScoredChunk, rank: number, score: number, memoryScore: number, lexicalScore?: number): SearchHit {
  const hit: SearchHit = {
    rank, score, memoryScore, path: c.path, startLine: c.startLine, endLine: c.endLine, symbol: c.symbol,
    language: c.language, chunkId: c.id, contentHash: c.contentHash,
  };
  if (lexicalScore !== undefined) hit.lexicalScore = lexicalScore;
  return hit;
}
