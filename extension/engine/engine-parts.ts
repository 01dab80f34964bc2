/**
 * Internal seams between the engine's parts, fixed so that each can be built and tested on its own:
 * the model runtime (extension/engine/model/), the store (extension/engine/store/), retrieval and answering
 * (extension/engine/retrieval/, extension/engine/answer/), and the facade that ties them (clara-engine.ts).
 */
import type { AnswerResult, AskOptions, IndexProgress, IndexState, IndexSummary, SearchHit } from './engine-api';
import type { BundleManifest } from './model/bundle-manifest';

/** The bundle's tokenizer (tokenizer.json), without added special tokens. */
export interface TextTokenizer {
  encode(text: string): number[];
  decode(ids: number[]): string;
  count(text: string): number;
}

/** compressor.onnx or query.onnx: texts (already formatted) → one un-normalised flat L·d memory per text. */
export interface MemoryEncoder {
  encode(texts: string[]): Promise<Float32Array[]>;
}

/** Chooses each next token from the logits (greedy argmax when a generator is given none). */
export interface DecodingRule {
  /**
   * `logits`: the vocabulary's logits for the next position; `ids`: the answer's ids so far (no prompt, no eos);
   * `last`: no token will follow this one (the length limit), so the answer must be complete after it; `left`: how
   * many tokens may still follow it (0 when `last`).
   */
  pick(logits: Float32Array, ids: readonly number[], last: boolean, left?: number): number;
}

export interface GenerateOptions {
  maxNewTokens?: number;
  onToken?: (text: string) => void;
  signal?: AbortSignal;
  rule?: DecodingRule;
}

export interface GenerateResult {
  text: string;
  tokens: number;
  firstTokenMs: number;
  stoppedBy: 'eos' | 'length' | 'abort';
}

/** generator.onnx with its KV cache: k memory blocks (rank order, each L·d) + question → answer text. */
export interface AnswerGenerator {
  generate(memories: Float32Array[], question: string, options?: GenerateOptions): Promise<GenerateResult>;
}

/** A loaded bundle (extension/engine/model/load-bundle.ts: loadBundle(dir, { executionProvider })). */
export interface ModelBundle {
  readonly dir: string;
  readonly manifest: BundleManifest;
  readonly tokenizer: TextTokenizer;
  readonly compressor: MemoryEncoder;
  readonly query: MemoryEncoder;
  readonly generator: AnswerGenerator;
  /** 'cuda' or 'cpu': the provider the sessions actually run on. */
  readonly executionProvider: string;
  close(): Promise<void>;
}

/** One chunk's metadata as the store keeps it (no source text). */
export interface StoredChunk {
  id: string;
  path: string;
  startLine: number;
  endLine: number;
  symbol: string | null;
  language: string;
  contentHash: string;
  modelVersion: string;
}

export interface ScoredChunk extends StoredChunk {
  score: number;
}

/** What retrieval and answering need from the store (extension/engine/store/). */
export interface MemoryReader {
  /** Flat cosine nearest neighbours of a query memory (un-normalised flat L·d; the store normalises). */
  nearest(queryMemory: Float32Array, k: number): Promise<ScoredChunk[]>;
  /** Full-text (BM25) matches of the question over the lexical column; empty when there is no lexical index. */
  lexical(question: string, k: number): Promise<ScoredChunk[]>;
  /** Un-normalised flat L·d memories, in the order of ids. */
  memories(chunkIds: string[]): Promise<Float32Array[]>;
}

/** The facade (extension/engine/clara-engine.ts: openEngine(options: EngineOptions)). */
export interface ClaraEngineApi {
  index(options?: { signal?: AbortSignal; onProgress?: (p: IndexProgress) => void }): Promise<IndexSummary>;
  indexPaths(paths: string[]): Promise<IndexSummary>;
  pause(): void;
  resume(): void;
  search(question: string, topK?: number): Promise<SearchHit[]>;
  ask(question: string, options?: AskOptions): Promise<AnswerResult>;
  state(): Promise<IndexState>;
  clear(): Promise<void>;
  close(): Promise<void>;
}
