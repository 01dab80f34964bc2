/**
 * Writing an evaluation run: results.json (every per-question result plus summaries), summary.md (the tables
 * docs/EVALUATION.md shows) and score.py-compatible prediction files, one per retrieval system and set.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EvalSetName } from './eval-sets';
import type { AnswerSystem, QuestionResult, RetrievalSystem } from './question-result';
import { chooseFromGrids } from './fusion-grid';
import type { CorpusRun, EvalRun } from './run-eval';
import { aggregate, type ScopeSummary } from './scoring';

export const RETRIEVAL_SYSTEMS: RetrievalSystem[] = ['memory', 'lexical', 'fused', 'bm25', 'locagent'];
export const ANSWER_SYSTEMS: AnswerSystem[] = ['generator', 'extractive_product', 'extractive_bm25', 'question_echo'];

const SYSTEM_LABEL: Record<RetrievalSystem | AnswerSystem, string> = {
  memory: 'CLaRa memory score alone',
  lexical: 'CLaRa lexical score alone',
  fused: 'CLaRa fused (memory + lexical)',
  bm25: 'BM25 baseline (MiniSearch)',
  locagent: 'peer: LocAgent (Claude 3.5) published predictions, same questions',
  generator: 'CLaRa generator (ask)',
  extractive_product: 'extractive: top-1 chunk of the CLaRa ranking',
  extractive_bm25: 'extractive: top-1 chunk of BM25',
  question_echo: 'reference point, not an answer: the question itself',
};

/** Summaries: set → slice ('all', or 'paths'/'symbols' for SWE-QA) → system → scope (ALL, corpus) → means. */
export type EvalSummary = Record<string, Record<string, Record<string, Record<string, ScopeSummary>>>>;

function slicesOf(set: EvalSetName): Array<{ name: string; keep: (r: QuestionResult) => boolean }> {
  const all = { name: 'all', keep: () => true };
  if (set !== 'sweqa') return [all];
  return [
    { name: 'paths', keep: (r) => r.goldFrom === 'paths' },
    { name: 'symbols', keep: (r) => r.goldFrom === 'symbols' },
    all,
  ];
}

export function summarise(results: QuestionResult[]): EvalSummary {
  const out: EvalSummary = {};
  const sets = [...new Set(results.map((r) => r.set))];
  for (const set of sets) {
    out[set] = {};
    for (const slice of slicesOf(set)) {
      const rows = results.filter((r) => r.set === set && slice.keep(r));
      if (rows.length === 0) continue;
      const bySystem: Record<string, Record<string, ScopeSummary>> = {};
      for (const sys of RETRIEVAL_SYSTEMS) {
        const scored = rows.filter((r) => r.retrieval[sys]);
        if (scored.length) bySystem[sys] = aggregate(scored.map((r) => ({ group: r.corpus, metrics: r.retrieval[sys]!.metrics })));
      }
      for (const sys of ANSWER_SYSTEMS) {
        const scored = rows.filter((r) => r.answers[sys]);
        if (scored.length) bySystem[sys] = aggregate(scored.map((r) => ({ group: r.corpus, metrics: r.answers[sys]!.metrics })));
      }
      out[set][slice.name] = bySystem;
    }
  }
  return out;
}

const fmt = (v: number | undefined) => (v === undefined ? '–' : v.toFixed(3));

function retrievalTable(bySystem: Record<string, Record<string, ScopeSummary>>, spanHits: boolean): string[] {
  const cols = ['R@1', 'R@5', 'R@10', 'MRR', ...(spanHits ? ['span hit@1', 'span hit@10'] : []), 'n'];
  const lines = [`| retrieval | ${cols.join(' | ')} |`, `|---|${cols.map(() => '---:').join('|')}|`];
  for (const sys of RETRIEVAL_SYSTEMS) {
    const s = bySystem[sys]?.ALL;
    if (!s) continue;
    const m = s.mean;
    const spanN = s.count['span_hit@10'] ?? 0;
    const span = spanHits ? [fmt(m['span_hit@1']), spanN ? `${fmt(m['span_hit@10'])} (n=${spanN})` : '–'] : [];
    lines.push(`| ${SYSTEM_LABEL[sys]} | ${[fmt(m['recall@1']), fmt(m['recall@5']), fmt(m['recall@10']), fmt(m.mrr), ...span,
      String(s.n)].join(' | ')} |`);
  }
  return lines;
}

function answerTable(bySystem: Record<string, Record<string, ScopeSummary>>, withF1: boolean): string[] {
  const cols = [...(withF1 ? ['token F1', 'EM'] : []), 'citation file hit', 'citation precision', 'citation line hit', 'abstained',
    'quoted names found in the chunks read', 'locator claims true', 'inheritance claims true', 'call and return claims true', 'well formed', ...(withF1 ? ['first name in the reference'] : []), 'n'];
  const lines = [`| answer | ${cols.join(' | ')} |`, `|---|${cols.map(() => '---:').join('|')}|`];
  for (const sys of ANSWER_SYSTEMS) {
    const s = bySystem[sys]?.ALL;
    if (!s) continue;
    const m = s.mean;
    const lineHit = m.citation_line_hit === undefined ? '–' : `${fmt(m.citation_line_hit)} (n=${s.count.citation_line_hit})`;
    const grounded = m.quoted_grounded === undefined ? '–' : `${fmt(m.quoted_grounded)} (n=${s.count.quoted_grounded})`;
    const locators = m.locators_true === undefined ? '–' : `${fmt(m.locators_true)} (n=${s.count.locators_true})`;
    const inherits = m.inherits_true === undefined ? '–' : `${fmt(m.inherits_true)} (n=${s.count.inherits_true})`;
    const relations = m.relations_true === undefined ? '–' : `${fmt(m.relations_true)} (n=${s.count.relations_true})`;
    const wellFormed = m.well_formed === undefined ? '–' : `${fmt(m.well_formed)} (n=${s.count.well_formed})`;
    const named = m.first_name_in_reference === undefined ? '–' : `${fmt(m.first_name_in_reference)} (n=${s.count.first_name_in_reference})`;
    lines.push(`| ${SYSTEM_LABEL[sys]} | ${[...(withF1 ? [fmt(m.answer_token_f1), fmt(m.exact_match)] : []),
      fmt(m.citation_file_hit), fmt(m.citation_file_precision), lineHit, fmt(m.abstained), grounded, locators, inherits, relations, wellFormed, ...(withF1 ? [named] : []), String(s.n)].join(' | ')} |`);
  }
  return lines;
}

function perCorpusTable(bySystem: Record<string, Record<string, ScopeSummary>>): string[] {
  const systems = RETRIEVAL_SYSTEMS.filter((s) => bySystem[s]);
  const corpora = Object.keys(bySystem[systems[0]] ?? {}).filter((c) => c !== 'ALL');
  const lines = [`| corpus | n | ${systems.map((s) => `MRR ${s}`).join(' | ')} | ${systems.map((s) => `R@10 ${s}`).join(' | ')} |`,
    `|---|---:|${systems.map(() => '---:').join('|')}|${systems.map(() => '---:').join('|')}|`];
  for (const c of corpora) {
    lines.push(`| ${c} | ${bySystem[systems[0]][c].n} | ${systems.map((s) => fmt(bySystem[s][c]?.mean.mrr)).join(' | ')} | ${
      systems.map((s) => fmt(bySystem[s][c]?.mean['recall@10'])).join(' | ')} |`);
  }
  return lines;
}

/** With --fusion-grid: the fused ranking at each memory weight, and the one calibration would choose on these questions. */
function fusionGridTable(results: QuestionResult[], manifestWeight: number | undefined): string[] {
  const grids = results.flatMap((r) => (r.fusionGrid ? [r.fusionGrid] : []));
  if (grids.length === 0) return [];
  const choice = chooseFromGrids(grids);
  const lines = ['Fused ranking by memory weight (lexical weight 1; the same two candidate lists per question; `--fusion-grid`):', '',
    '| memory weight | MRR | R@5 | |', '|---:|---:|---:|---|'];
  for (const s of choice.scores) {
    const notes = [s.memoryWeight === choice.memoryWeight ? 'best MRR here' : '', s.memoryWeight === manifestWeight ? "the bundle's" : '']
      .filter(Boolean).join(', ');
    lines.push(`| ${s.memoryWeight} | ${fmt(s.mrr)} | ${fmt(s.recallAt5)} | ${notes} |`);
  }
  lines.push('', `n = ${choice.questions}`, '');
  return lines;
}

function latencyLine(results: QuestionResult[]): string {
  const parts: string[] = [];
  for (const sys of RETRIEVAL_SYSTEMS.filter((x) => x !== 'locagent')) {
    const ms = results.map((r) => r.retrieval[sys]?.ms).filter((v): v is number => v !== undefined).sort((a, b) => a - b);
    if (ms.length) parts.push(`${sys} p50 ${ms[Math.floor(ms.length / 2)].toFixed(1)} ms`);
  }
  return parts.join(', ');
}

function corpusTable(corpora: CorpusRun[]): string[] {
  // "compressed" tells a cold index from an incremental rerun (a store cached by an earlier run with the same bundle).
  const lines = ['| corpus | files | chunks | compressed / reused this run | index run s | store MB | BM25 build s | BM25 MB |',
    '|---|---:|---:|---:|---:|---:|---:|---:|'];
  for (const c of corpora) {
    lines.push(`| ${c.corpus} | ${c.state.files} | ${c.state.chunks} | ${c.index.chunksCompressed} / ${c.index.chunksReused} | ${
      (c.indexMs / 1000).toFixed(1)} | ${(c.state.bytesOnDisk / 1e6).toFixed(1)} | ${(c.bm25.buildMs / 1000).toFixed(1)} | ${
      (c.bm25.bytes / 1e6).toFixed(1)} |`);
  }
  return lines;
}

export function renderMarkdown(run: EvalRun, summary: EvalSummary, command: string): string {
  const model = run.corpora[0]?.state.model;
  const out = [
    `# clara eval — ${run.startedAt}`, '',
    `Command: \`${command}\`  `,
    `Bundle: ${model ? `${model.name} ${model.version} (${model.config}), ${model.executionProvider}` : 'n/a'}  `,
    `Limit per (set, corpus): ${run.config.limit ?? 'none'}; answers (ask): ${run.config.answers ? 'yes' : 'no'}; ` +
      `product ranking (search, ask): ${run.config.lexicalFusion ? 'fused' : 'memory alone'}`, '',
    '## Corpora', '', ...corpusTable(run.corpora), '',
  ];
  for (const [set, slices] of Object.entries(summary)) {
    for (const [slice, bySystem] of Object.entries(slices)) {
      const rows = run.results.filter((r) => r.set === set);
      out.push(`## ${set}${slice === 'all' ? '' : ` — gold from ${slice}`}`, '');
      out.push(...retrievalTable(bySystem, set === 'sweqa'), '');
      if (Object.keys(bySystem).some((s) => (ANSWER_SYSTEMS as string[]).includes(s))) {
        out.push(...answerTable(bySystem, set === 'sweqa'), '');
      }
      if (slice === 'all') {
        out.push('Per corpus:', '', ...perCorpusTable(bySystem), '');
        out.push(...fusionGridTable(rows, run.memoryWeight));
        out.push(`Search latency (in-process, per question): ${latencyLine(rows)}`, '');
        const errors = rows.filter((r) => r.error).length;
        if (errors) out.push(`**${errors} questions failed** (see results.json, field error).`, '');
      }
    }
  }
  return out.join('\n');
}

/** score.py PRED rows for one set and retrieval system; answers come from the matching answer system. */
function predictionRows(results: QuestionResult[], set: string, sys: RetrievalSystem, product: RetrievalSystem): string[] {
  const answerSys: AnswerSystem | null = sys === 'bm25' ? 'extractive_bm25' : sys === product ? 'generator' : null;
  return results.filter((r) => r.set === set && r.retrieval[sys]).map((r) => {
    const row: Record<string, unknown> = { id: r.id, files: r.retrieval[sys]!.files };
    const a = answerSys ? r.answers[answerSys] : undefined;
    // An abstention is no answer (scoreAnswer): score.py then gives it the F1 the summary gives it.
    if (a) { row.answer = a.abstained ? '' : a.answer; row.citations = a.citations; }
    return JSON.stringify(row);
  });
}

/** Write results.json, summary.md and predictions/<set>.<system>.jsonl under outDir; returns the summary. */
export function writeEvalRun(outDir: string, run: EvalRun, command: string): EvalSummary {
  mkdirSync(join(outDir, 'predictions'), { recursive: true });
  const summary = summarise(run.results);
  writeFileSync(join(outDir, 'results.json'), JSON.stringify({ ...run, command, summary }, null, 1));
  writeFileSync(join(outDir, 'summary.md'), renderMarkdown(run, summary, command));
  for (const set of new Set(run.results.map((r) => r.set))) {
    if (set === 'cosqa') continue; // score.py reads the two jsonl sets only
    // LocAgent's rows are the kit's own data: score.py scores its locagent_files directly (null placeholders kept).
    for (const sys of RETRIEVAL_SYSTEMS.filter((x) => x !== 'locagent')) {
      const rows = predictionRows(run.results, set, sys, run.config.lexicalFusion ? 'fused' : 'memory');
      if (rows.length) writeFileSync(join(outDir, 'predictions', `${set}.${sys}.jsonl`), rows.join('\n') + '\n');
    }
  }
  return summary;
}
