/**
 * Loading the evaluation sets of the eval kit (/work/shared/eval, see its README): SWE-QA, SWE-bench Lite
 * localisation and CoSQA; and the development kit's changelog localisation (models/training/devkit/README.md), real
 * questions kept apart from the eval kit to choose training changes by. Every row is validated on arrival; a
 * malformed file stops with a message naming the file and line, never with a crash deep in scoring.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Span } from './scoring';

export type EvalSetName = 'sweqa' | 'swebench_lite_loc' | 'changelog_loc' | 'cosqa';
export const EVAL_SET_NAMES: EvalSetName[] = ['sweqa', 'swebench_lite_loc', 'changelog_loc', 'cosqa'];
/** Sets read from <kit>/<name>.jsonl, with the core fields id, corpus, question and gold_files. */
type JsonlSetName = Exclude<EvalSetName, 'cosqa'>;

export const COSQA_CORPUS_ID = 'cosqa';

export interface EvalQuestion {
  set: EvalSetName;
  id: string;
  /** Corpus id (corpora.json key, or 'cosqa'). */
  corpus: string;
  question: string;
  /** Paths relative to the corpus root. */
  goldFiles: string[];
  goldLines?: Span[];
  /** SWE-QA only. */
  referenceAnswer?: string;
  /** SWE-QA only: 'paths' (headline) or 'symbols' (noisier). */
  goldFrom?: string;
  /** SWE-bench Lite only: LocAgent's published ranked files (null = absent from the pinned corpus, keeps its rank). */
  peerFiles?: Array<string | null>;
}

export class EvalDataError extends Error {}

function fail(file: string, line: number, why: string): never {
  throw new EvalDataError(`${file}:${line}: ${why}`);
}

function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string');
}

function parseJsonl(file: string): Array<{ line: number; row: Record<string, unknown> }> {
  if (!existsSync(file)) throw new EvalDataError(`evaluation set not found: ${file}`);
  const out: Array<{ line: number; row: Record<string, unknown> }> = [];
  readFileSync(file, 'utf8').split('\n').forEach((text, i) => {
    if (!text.trim()) return;
    let row: unknown;
    try { row = JSON.parse(text); } catch (e) { fail(file, i + 1, `not JSON (${(e as Error).message})`); }
    if (typeof row !== 'object' || row === null || Array.isArray(row)) fail(file, i + 1, 'expected a JSON object');
    out.push({ line: i + 1, row: row as Record<string, unknown> });
  });
  return out;
}

function parseSpans(file: string, line: number, v: unknown): Span[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) fail(file, line, 'gold_lines must be a list of [path, start, end]');
  return v.map((s) => {
    if (!Array.isArray(s) || typeof s[0] !== 'string' || !Number.isInteger(s[1]) || !Number.isInteger(s[2])) {
      fail(file, line, `bad gold_lines entry ${JSON.stringify(s)}`);
    }
    return [s[0], s[1], s[2]] as Span;
  });
}

/**
 * sweqa.jsonl, swebench_lite_loc.jsonl or changelog_loc.jsonl (same core fields; SWE-QA adds the reference answer and
 * gold lines).
 */
export function loadJsonlSet(file: string, set: JsonlSetName): EvalQuestion[] {
  return parseJsonl(file).map(({ line, row }) => {
    const { id, corpus, question, gold_files } = row;
    if (typeof id !== 'string' || typeof corpus !== 'string' || typeof question !== 'string') {
      fail(file, line, 'id, corpus and question must be strings');
    }
    if (!isStringArray(gold_files) || gold_files.length === 0) fail(file, line, 'gold_files must be a non-empty list');
    const q: EvalQuestion = { set, id, corpus, question, goldFiles: gold_files };
    const goldLines = parseSpans(file, line, row.gold_lines);
    if (goldLines?.length) q.goldLines = goldLines;
    const peer = row.locagent_files;
    if (Array.isArray(peer) && peer.every((f) => f === null || typeof f === 'string')) q.peerFiles = peer as Array<string | null>;
    if (set === 'sweqa') {
      if (typeof row.reference_answer !== 'string') fail(file, line, 'reference_answer must be a string');
      q.referenceAnswer = row.reference_answer;
      if (typeof row.gold_from === 'string') q.goldFrom = row.gold_from;
    }
    return q;
  });
}

/** The CoSQA search corpus: code_idx_map.txt ({code: retrieval_idx}) turned into idx → code. */
export function loadCosqaCodes(cosqaDir: string): Map<number, string> {
  const file = join(cosqaDir, 'code_idx_map.txt');
  if (!existsSync(file)) throw new EvalDataError(`CoSQA code map not found: ${file}`);
  let obj: unknown;
  try { obj = JSON.parse(readFileSync(file, 'utf8')); } catch (e) {
    throw new EvalDataError(`${file}: not JSON (${(e as Error).message})`);
  }
  if (typeof obj !== 'object' || obj === null) throw new EvalDataError(`${file}: expected {code: idx}`);
  const codes = new Map<number, string>();
  for (const [code, idx] of Object.entries(obj)) {
    if (!Number.isInteger(idx)) throw new EvalDataError(`${file}: index ${JSON.stringify(idx)} is not an integer`);
    codes.set(idx as number, code);
  }
  return codes;
}

/** File name of CoSQA snippet `idx` in the materialised corpus (the gold "file" of its queries). */
export function cosqaSnippetPath(idx: number): string {
  return `snippets/${String(idx).padStart(4, '0')}.py`;
}

/** CoSQA test (default) or dev queries; gold = the snippet file of the query's retrieval_idx. */
export function loadCosqaQueries(cosqaDir: string, split: 'test' | 'dev' = 'test'): EvalQuestion[] {
  const file = join(cosqaDir, `cosqa-retrieval-${split}-500.json`);
  if (!existsSync(file)) throw new EvalDataError(`CoSQA queries not found: ${file}`);
  let rows: unknown;
  try { rows = JSON.parse(readFileSync(file, 'utf8')); } catch (e) {
    throw new EvalDataError(`${file}: not JSON (${(e as Error).message})`);
  }
  if (!Array.isArray(rows)) throw new EvalDataError(`${file}: expected a JSON list`);
  return rows.map((r, i) => {
    if (typeof r?.doc !== 'string' || !Number.isInteger(r?.retrieval_idx)) {
      throw new EvalDataError(`${file}: item ${i} lacks doc (string) or retrieval_idx (integer)`);
    }
    return {
      set: 'cosqa' as const,
      id: String(r.idx ?? `cosqa-${split}-${i}`),
      corpus: COSQA_CORPUS_ID,
      question: r.doc,
      goldFiles: [cosqaSnippetPath(r.retrieval_idx)],
    };
  });
}

/** Where the eval kit lives: $CLARA_EVAL_DATA, else /work/shared/eval. */
export function defaultEvalDataDir(): string {
  return process.env.CLARA_EVAL_DATA ?? '/work/shared/eval';
}

/** Load one set from the kit folder. */
export function loadEvalSet(dataDir: string, set: EvalSetName): EvalQuestion[] {
  switch (set) {
    case 'sweqa': return loadJsonlSet(join(dataDir, 'sweqa.jsonl'), 'sweqa');
    case 'swebench_lite_loc':
    case 'changelog_loc': return loadJsonlSet(join(dataDir, `${set}.jsonl`), set);
    case 'cosqa': return loadCosqaQueries(join(dataDir, 'cosqa'));
  }
}
