/**
 * `clara eval`: index each corpus with the product's indexer (openEngine → index), run every question through
 * search (memory alone, lexical alone, fused) and ask, run the baselines (BM25, extractive answers) on the same
 * chunks, and score everything. One engine per corpus: its search/ask are the product's; the memory-only, fused and
 * lexical-only rankings call the product's own retrieve() and store on that engine's bundle and store.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { openEngine, type ClaraEngine } from '../clara-engine';
import type { Citation, EngineOptions, IndexState, IndexSummary } from '../engine-api';
import { retrieve } from '../retrieval/retrieve';
import { Bm25Index } from './bm25-baseline';
import { ChunkTextReader, type ChunkSpan } from '../chunking/chunk-text-reader';
import { backtickSpans, blockSource, ungroundedSpans } from '../answer/grounded-spans';
import { answerFormFaults } from '../answer/answer-form';
import { classBases, inheritanceClaimsTrue } from '../answer/inheritance-claims';
import { blockRelations, relationClaimsTrue } from '../answer/relation-claims';
import { type ClaimBlock, locatorClaimsTrue } from '../answer/locator-claims';
import { quotableNames } from '../answer/quotable-names';
import { extractiveAnswer } from './chunk-text';
import { fusionGrid } from './fusion-grid';
import { materialiseCorpus } from './corpora';
import { COSQA_CORPUS_ID, loadEvalSet, type EvalQuestion, type EvalSetName } from './eval-sets';
import {
  scoreAnswer, scorePeerFiles, scoreRetrieval, type QuestionResult, type RetrievalOutcome, type RetrievalSystem,
} from './question-result';
import { firstNameInReference, type Span } from './scoring';

/** Chunks retrieved per question for ranking: enough to fill 10 distinct files in practice. */
export const SEARCH_K = 50;

export interface EvalConfig {
  /** The eval kit folder (sweqa.jsonl, swebench_lite_loc.jsonl, cosqa/, get-corpus.sh), or the development kit. */
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
  /** The product's setting for search and ask: lexical fusion on (the CLI's default) or off (--no-lexical). */
  lexicalFusion: boolean;
  /** Extra gitignore-style excludes for every corpus (EngineOptions.extraExcludes), e.g. translations. */
  excludes?: string[];
  /** Grounded decoding in ask (EngineOptions.groundedAnswers; the product's default is on). */
  grounding?: boolean;
  /** Also score the fused ranking at every memory weight of the calibration grid (fusion-grid.ts). */
  fusionGrid?: boolean;
  log: (message: string) => void;
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
  /** The bundle's fusion memory weight (lexical weight 1), when its manifest has one. */
  memoryWeight?: number;
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
export async function runEval(config: EvalConfig): Promise<EvalRun> {
  const startedAt = new Date().toISOString();
  const byCorpus = selectQuestions(config);
  if (byCorpus.size === 0) throw new Error('no questions selected (check --set, --corpus and --limit)');
  const corpora: CorpusRun[] = [];
  const results: QuestionResult[] = [];
  let memoryWeight: number | undefined;
  for (const [corpus, questions] of byCorpus) {
    config.log(`[${corpus}] fetching corpus`);
    const root = await materialiseCorpus(config.dataDir, config.cacheDir, corpus);
    const storeDir = join(config.cacheDir, 'stores', corpus);
    mkdirSync(storeDir, { recursive: true });
    const engine = await openEngine({
      root, storeDir, bundleDir: config.bundleDir, executionProvider: config.executionProvider,
      lexicalFusion: config.lexicalFusion, ...(config.topK ? { topK: config.topK } : {}),
      ...(config.excludes?.length ? { extraExcludes: config.excludes } : {}),
      ...(config.grounding === false ? { groundedAnswers: false } : {}),
    }, { onLog: (level, m) => config.log(`[${corpus}] ${level}: ${m}`) });
    const fusion = engine.bundle.manifest.retrieval.fusion;
    if (fusion?.lexical_weight === 1) memoryWeight = fusion.memory_weight;
    try {
      config.log(`[${corpus}] indexing ${root}`);
      let lastTenth = -1;
      const { value: index, ms: indexMs } = await timed(() => engine.index({
        onProgress: (p) => {
          if (p.phase === 'error') config.log(`[${corpus}] index error: ${p.message}`);
          const tenth = p.filesTotal > 0 ? Math.floor((10 * p.filesDone) / p.filesTotal) : -1;
          if (tenth > lastTenth) {
            lastTenth = tenth;
            config.log(`[${corpus}] indexing: ${p.filesDone}/${p.filesTotal} files, ${p.chunksDone} chunks`);
          }
        },
      }));
      const st = await engine.state();
      config.log(`[${corpus}] ${st.files} files, ${st.chunks} chunks (index run ${(indexMs / 1000).toFixed(1)} s: ` +
        `${index.chunksCompressed} compressed, ${index.chunksReused} reused)`);
      const chunks: ChunkSpan[] = await engine.store.allChunks();
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
        results.push(await runQuestion(q, { engine, bm25, reader, config }));
        if (++done % 10 === 0 || done === questions.length) config.log(`[${corpus}] ${done}/${questions.length} questions`);
      }
    } finally {
      await engine.close();
    }
  }
  const { log: _log, ...rest } = config;
  return { config: rest, startedAt, finishedAt: new Date().toISOString(), corpora, results, ...(memoryWeight === undefined ? {} : { memoryWeight }) };
}

interface QuestionContext {
  engine: ClaraEngine;
  bm25: Bm25Index;
  reader: ChunkTextReader;
  config: EvalConfig;
}

async function runQuestion(q: EvalQuestion, ctx: QuestionContext): Promise<QuestionResult> {
  const r: QuestionResult = {
    set: q.set, id: q.id, corpus: q.corpus, goldFiles: q.goldFiles, retrieval: {}, answers: {},
  };
  if (q.goldFrom) r.goldFrom = q.goldFrom;
  try {
    const retrieval = r.retrieval as Record<RetrievalSystem, RetrievalOutcome>;
    const { bundle, store } = ctx.engine;
    const mem = await timed(() => retrieve(bundle, store, q.question, { topK: SEARCH_K, lexicalFusion: false }));
    retrieval.memory = scoreRetrieval(q, spansOf(mem.value), mem.value[0]?.memoryScore ?? null, mem.ms);
    const fus = await timed(() => retrieve(bundle, store, q.question, { topK: SEARCH_K, lexicalFusion: true }));
    retrieval.fused = scoreRetrieval(q, spansOf(fus.value), fus.value[0]?.score ?? null, fus.ms);
    const lex = await timed(() => store.lexical(q.question, SEARCH_K));
    retrieval.lexical = scoreRetrieval(q, spansOf(lex.value), lex.value[0]?.score ?? null, lex.ms);
    if (q.peerFiles) retrieval.locagent = scorePeerFiles(q, q.peerFiles);
    if (ctx.config.fusionGrid) r.fusionGrid = await fusionGrid(bundle, store, q, SEARCH_K);
    const t0 = performance.now();
    const bm = ctx.bm25.query(q.question, SEARCH_K);
    retrieval.bm25 = scoreRetrieval(q, spansOf(bm), bm[0]?.score ?? null, performance.now() - t0);

    // Extractive baselines read the top-1 chunk from disk: the product's ranking (as configured) and BM25's.
    const extract = (top: { path: string; startLine: number; endLine: number } | undefined) =>
      top ? scoreAnswer(q, extractiveAnswer(ctx.reader.read(top)), [[top.path, top.startLine, top.endLine]])
        : scoreAnswer(q, '', []);
    if (q.set !== 'cosqa') { // CoSQA is retrieval only: no reference answers
      r.answers.extractive_product = extract((ctx.config.lexicalFusion ? fus : mem).value[0]);
      r.answers.extractive_bm25 = extract(bm[0]);
      // What token F1 gives for restating the question and saying nothing: SWE-QA's long references restate it. Only
      // where there is a reference answer (an echo has no citations to score).
      if (q.referenceAnswer !== undefined) r.answers.question_echo = scoreAnswer(q, q.question, []);
    }

    if (ctx.config.answers && q.set !== 'cosqa') {
      const a = await ctx.engine.ask(q.question, ctx.config.topK ? { topK: ctx.config.topK } : {});
      r.answers.generator = scoreAnswer(q, a.answer, a.citations.map((c) => [c.path, c.startLine, c.endLine]), {
        abstained: a.abstained, timings: a.timings,
      });
      if (!a.abstained) {
        const read = a.retrieved.slice(0, bundle.manifest.generator.max_blocks);
        const grounded = quotedGrounded(a.answer, read.map((h) => blockSource(h, ctx.reader.read(h))));
        if (grounded !== null) r.answers.generator.metrics.quoted_grounded = grounded;
        const locators = locatorClaimsTrue(a.answer, a.citations.map((c) => claimBlock(c, ctx.reader.read(c))));
        if (locators !== null) r.answers.generator.metrics.locators_true = locators;
        const inherits = inheritanceClaimsTrue(a.answer, read.map((h) => classBases(ctx.reader.read(h))));
        if (inherits !== null) r.answers.generator.metrics.inherits_true = inherits;
        const relations = relationClaimsTrue(a.answer, read.map((h) => blockRelations(blockSource(h, ctx.reader.read(h)))));
        if (relations !== null) r.answers.generator.metrics.relations_true = relations;
        r.answers.generator.metrics.well_formed = answerFormFaults(a.answer).length === 0 ? 1 : 0;
        const named = q.referenceAnswer === undefined ? null : firstNameInReference(a.answer, q.referenceAnswer);
        if (named !== null) r.answers.generator.metrics.first_name_in_reference = named;
      }
    }
  } catch (e) {
    r.error = (e as Error).message;
  }
  return r;
}

export { COSQA_CORPUS_ID };

/** A cited block as a locator claim is checked against: its path and the names its text holds. */
function claimBlock(c: Citation, text: string): ClaimBlock & { n: number } {
  const names = new Set(quotableNames([blockSource(c, text)]));
  return { n: c.n, path: c.path, has: (name) => names.has(name) };
}

/** Share of an answer's backticked names (and other quoted code) found in the text of the chunks it read; null for none. */
export function quotedGrounded(answer: string, sources: string[]): number | null {
  const spans = backtickSpans(answer);
  if (spans.length === 0) return null;
  return 1 - ungroundedSpans(answer, sources).length / spans.length;
}
