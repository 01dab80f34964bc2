/**
 * `clara eval`: index each corpus with the product's indexer (openEngine → index), run every question through
 * search (memory alone, lexical alone, fused) and ask, run the baselines (BM25, extractive answers) on the same
 * chunks, and score everything. The caller passes the engine factory and the chunk lister, so this file depends only
 * on the engine's public API.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ClaraEngineApi } from '../engine-parts';
import type { EngineOptions, IndexState, IndexSummary, SearchHit } from '../engine-api';
import { Bm25Index } from './bm25-baseline';
import { ChunkTextReader, extractiveAnswer, type ChunkSpan } from './chunk-text';
import { materialiseCorpus } from './corpora';
import { COSQA_CORPUS_ID, loadEvalSet, type EvalQuestion, type EvalSetName } from './eval-sets';
import {
  scoreAnswer, scoreRetrieval, type QuestionResult, type RetrievalOutcome, type RetrievalSystem,
} from './question-result';
import type { Span } from './scoring';

/** Chunks retrieved per question for ranking: enough to fill 10 distinct files in practice. */
export const SEARCH_K = 50;

export interface EvalConfig {
  /** The eval kit folder (sweqa.jsonl, swebench_lite_loc.jsonl, cosqa/, get-corpus.sh). */
  dataDir: string;
  /** Corpora and stores are cached here between runs. */
  cacheDir: string;
  bundleDir?: string;
  executionProvider?: EngineOptions['executionProvider'];
  sets: EvalSetName[];
  /** Only these corpus ids (default: every corpus the chosen sets use). */
  corpora?: string[];
  /** At most this many questions per (set, corpus), taken in file order. */
  limit?: number;
  /** Run ask (the generator) as well as search. */
  answers: boolean;
  /** Memory blocks given to the generator (default: the engine's). */
  topK?: number;
  log: (message: string) => void;
}

export interface EvalDeps {
  openEngine(options: EngineOptions): Promise<ClaraEngineApi>;
  /** Every chunk the product indexed for this engine's workspace (path + lines), for the baselines. */
  listChunks(engine: ClaraEngineApi): Promise<ChunkSpan[]>;
  /** The product's lexical ranking alone, when it has one (null: it has none, 'lexical' is not reported). */
  lexicalSearch?(engine: ClaraEngineApi, question: string, k: number): Promise<SearchHit[] | null>;
}

export interface CorpusRun {
  corpus: string;
  root: string;
  questions: number;
  index: IndexSummary;
  indexMs: number;
  state: Pick<IndexState, 'files' | 'chunks' | 'memoryTokens' | 'bytesOnDisk' | 'compressionRate' | 'model'>;
  bm25: { chunks: number; buildMs: number; bytes: number };
}

export interface EvalRun {
  config: Omit<EvalConfig, 'log'>;
  startedAt: string;
  finishedAt: string;
  corpora: CorpusRun[];
  results: QuestionResult[];
}

/** Questions of the chosen sets, grouped by corpus, filtered and limited as configured. */
export function selectQuestions(config: Pick<EvalConfig, 'dataDir' | 'sets' | 'corpora' | 'limit'>): Map<string, EvalQuestion[]> {
  const byCorpus = new Map<string, EvalQuestion[]>();
  for (const set of config.sets) {
    const perCorpus = new Map<string, number>();
    for (const q of loadEvalSet(config.dataDir, set)) {
      if (config.corpora && !config.corpora.includes(q.corpus)) continue;
      const n = perCorpus.get(q.corpus) ?? 0;
      if (config.limit !== undefined && n >= config.limit) continue;
      perCorpus.set(q.corpus, n + 1);
      const list = byCorpus.get(q.corpus) ?? [];
      list.push(q);
      byCorpus.set(q.corpus, list);
    }
  }
  return byCorpus;
}

function spansOf(hits: Array<{ path: string; startLine: number; endLine: number }>): Span[] {
  return hits.map((h) => [h.path, h.startLine, h.endLine]);
}

async function timed<T>(f: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const t0 = performance.now();
  const value = await f();
  return { value, ms: performance.now() - t0 };
}

/** Run the whole evaluation; results are returned, the caller writes them. */
export async function runEval(config: EvalConfig, deps: EvalDeps): Promise<EvalRun> {
  const startedAt = new Date().toISOString();
  const byCorpus = selectQuestions(config);
  if (byCorpus.size === 0) throw new Error('no questions selected (check --set, --corpus and --limit)');
  const corpora: CorpusRun[] = [];
  const results: QuestionResult[] = [];
  for (const [corpus, questions] of byCorpus) {
    config.log(`[${corpus}] fetching corpus`);
    const root = await materialiseCorpus(config.dataDir, config.cacheDir, corpus);
    const storeDir = join(config.cacheDir, 'stores', corpus);
    mkdirSync(storeDir, { recursive: true });
    const base: EngineOptions = { root, storeDir, bundleDir: config.bundleDir, executionProvider: config.executionProvider };
    // Two views of one store: the same index searched with and without lexical fusion.
    const fused = await deps.openEngine({ ...base, lexicalFusion: true });
    let memory: ClaraEngineApi | null = null;
    try {
      config.log(`[${corpus}] indexing ${root}`);
      const { value: index, ms: indexMs } = await timed(() => fused.index({
        onProgress: (p) => { if (p.phase === 'error') config.log(`[${corpus}] index error: ${p.message}`); },
      }));
      const st = await fused.state();
      config.log(`[${corpus}] indexed ${st.files} files, ${st.chunks} chunks in ${(indexMs / 1000).toFixed(1)} s`);
      memory = await deps.openEngine({ ...base, lexicalFusion: false });
      const chunks = await deps.listChunks(fused);
      const bm25 = Bm25Index.build(root, chunks);
      corpora.push({
        corpus, root, questions: questions.length, index, indexMs,
        state: { files: st.files, chunks: st.chunks, memoryTokens: st.memoryTokens, bytesOnDisk: st.bytesOnDisk,
          compressionRate: st.compressionRate, model: st.model },
        bm25: { chunks: bm25.size, buildMs: bm25.buildMs, bytes: bm25.serialisedBytes() },
      });
      const reader = new ChunkTextReader(root);
      let done = 0;
      for (const q of questions) {
        results.push(await runQuestion(q, { fused, memory, bm25, reader, config, deps }));
        if (++done % 10 === 0 || done === questions.length) config.log(`[${corpus}] ${done}/${questions.length} questions`);
      }
    } finally {
      await memory?.close();
      await fused.close();
    }
  }
  const { log: _log, ...rest } = config;
  return { config: rest, startedAt, finishedAt: new Date().toISOString(), corpora, results };
}

interface QuestionContext {
  fused: ClaraEngineApi;
  memory: ClaraEngineApi;
  bm25: Bm25Index;
  reader: ChunkTextReader;
  config: EvalConfig;
  deps: EvalDeps;
}

async function runQuestion(q: EvalQuestion, ctx: QuestionContext): Promise<QuestionResult> {
  const r: QuestionResult = {
    set: q.set, id: q.id, corpus: q.corpus, goldFiles: q.goldFiles, retrieval: {}, answers: {},
  };
  if (q.goldFrom) r.goldFrom = q.goldFrom;
  try {
    const retrieval = r.retrieval as Record<RetrievalSystem, RetrievalOutcome>;
    const mem = await timed(() => ctx.memory.search(q.question, SEARCH_K));
    retrieval.memory = scoreRetrieval(q, spansOf(mem.value), mem.value[0]?.memoryScore ?? null, mem.ms);
    const fus = await timed(() => ctx.fused.search(q.question, SEARCH_K));
    retrieval.fused = scoreRetrieval(q, spansOf(fus.value), fus.value[0]?.score ?? null, fus.ms);
    if (ctx.deps.lexicalSearch) {
      const lex = await timed(() => ctx.deps.lexicalSearch!(ctx.fused, q.question, SEARCH_K));
      if (lex.value) retrieval.lexical = scoreRetrieval(q, spansOf(lex.value), lex.value[0]?.lexicalScore ?? null, lex.ms);
    }
    const t0 = performance.now();
    const bm = ctx.bm25.query(q.question, SEARCH_K);
    retrieval.bm25 = scoreRetrieval(q, spansOf(bm), bm[0]?.score ?? null, performance.now() - t0);

    // Extractive baselines read the top-1 chunk from disk: the product's (fused) ranking and BM25's.
    const extract = (top: { path: string; startLine: number; endLine: number } | undefined) =>
      top ? scoreAnswer(q, extractiveAnswer(ctx.reader.read(top)), [[top.path, top.startLine, top.endLine]])
        : scoreAnswer(q, '', []);
    r.answers.extractive_product = extract(fus.value[0]);
    r.answers.extractive_bm25 = extract(bm[0]);

    if (ctx.config.answers && q.set !== 'cosqa') {
      const a = await ctx.fused.ask(q.question, ctx.config.topK ? { topK: ctx.config.topK } : {});
      r.answers.generator = scoreAnswer(q, a.answer, a.citations.map((c) => [c.path, c.startLine, c.endLine]), {
        abstained: a.abstained, timings: a.timings,
      });
    }
  } catch (e) {
    r.error = (e as Error).message;
  }
  return r;
}

export { COSQA_CORPUS_ID };
