/**
 * The engine's public surface: what the CLI, the indexing worker, evaluation and benchmarks call,
 * and (through extension/engine/worker/worker-protocol.ts) what the VS Code shell sees.
 * Plain data only: every type here crosses a worker boundary by structured clone.
 */

export interface EngineOptions {
  /** Absolute workspace root (the CLI's <dir>, or one VS Code workspace folder). */
  root: string;
  /** Where the store lives (CLI: <root>/.clara; extension: its workspace storage). */
  storeDir: string;
  /** Absolute path of a bundle folder (models/<name>); default: models/default.json's bundle. */
  bundleDir?: string;
  /** 'auto' picks CUDA when its provider is installed, else CPU. */
  executionProvider?: 'auto' | 'cpu' | 'cuda';
  /** Memories retrieved per question (clara.topK). */
  topK?: number;
  /** Files larger than this are skipped (clara.maxFileSizeBytes, default 1 MB). */
  maxFileSizeBytes?: number;
  /** Extra gitignore-syntax patterns (e.g. VS Code's files.exclude, turned into globs by the shell). */
  extraExcludes?: string[];
  /** Use the lexical (full-text) score fused with the memory score. */
  lexicalFusion?: boolean;
  /**
   * Answers quote only what the chunks they read hold (answer/grounded-spans.ts); default true. Off only to measure
   * the generator without it (`clara eval --no-grounding`).
   */
  groundedAnswers?: boolean;
}

export type IndexPhase = 'idle' | 'scanning' | 'indexing' | 'paused' | 'done' | 'error';

export interface IndexProgress {
  phase: IndexPhase;
  filesTotal: number;
  filesDone: number;
  chunksDone: number;
  /** Human-readable detail ("compressing src/app.ts"), or the error message when phase = 'error'. */
  message?: string;
}

export interface SkippedFile {
  path: string;
  /** e.g. 'binary content', 'larger than 1 MB', 'secret pattern (.env*)', 'ignored by .gitignore', 'unreadable: EACCES'. */
  reason: string;
}

export interface IndexState {
  files: number;
  chunks: number;
  memoryTokens: number;
  bytesOnDisk: number;
  compressionRate: number;
  model: ModelInfo;
  /** ISO time of the last committed index change, or null before the first. */
  lastUpdate: string | null;
  skipped: SkippedFile[];
  progress: IndexProgress;
}

export interface ModelInfo {
  name: string;
  version: string;
  config: string;
  executionProvider: string;
}

export interface IndexSummary {
  filesIndexed: number;
  filesUnchanged: number;
  filesRemoved: number;
  filesSkipped: number;
  chunksCompressed: number;
  chunksReused: number;
  ms: number;
}

export interface SearchHit {
  rank: number;
  /** The score retrieval ranked by (fused when lexical fusion is on). */
  score: number;
  memoryScore: number;
  lexicalScore?: number;
  path: string;
  startLine: number;
  endLine: number;
  symbol: string | null;
  language: string;
  chunkId: string;
  contentHash: string;
}

export interface Citation {
  /** The [n] marker in the answer (1-based rank among the memories given to the generator). */
  n: number;
  path: string;
  startLine: number;
  endLine: number;
  symbol: string | null;
  score: number;
}

export interface AnswerResult {
  answer: string;
  citations: Citation[];
  retrieved: SearchHit[];
  /** True when the best score was under the bundle's threshold: the answer says the code was not found. */
  abstained: boolean;
  /**
   * When the best score was under the threshold but a block the generator read holds names the question gives for
   * code: those names, the reason it answered. Empty otherwise.
   */
  foundByName: string[];
  timings: { retrievalMs: number; firstTokenMs: number; generationMs: number; totalMs: number; tokens: number };
  model: ModelInfo;
}

export interface AskOptions {
  topK?: number;
  onToken?: (text: string) => void;
  signal?: AbortSignal;
}
