/**
 * Scoring for `clara eval`. The definitions follow /work/shared/eval/tools/score.py exactly (same normalisation,
 * same recall/hit/MRR, same citation rules with ±5 lines of slack), so the numbers can be checked against it.
 * Exact match and span hit are ours (score.py has neither); their definitions are documented next to them.
 */

export const RANK_CUTOFFS = [1, 5, 10] as const;
export const DEFAULT_LINE_SLACK = 5;

/** [path, startLine, endLine], 1-based inclusive, corpus-relative path. */
export type Span = [string, number, number];

const PUNCTUATION = new Set('!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~');
const ARTICLES = new Set(['a', 'an', 'the']);

/** score.py's norm_path: strip any leading "./". */
export function normPath(p: string | null | undefined): string {
  return (p ?? '').replace(/^(\.\/)+/, '');
}

/** score.py's toks: lower-case, ASCII punctuation → space, split on whitespace, drop a/an/the. */
export function answerTokens(text: string): string[] {
  let s = '';
  for (const ch of text.toLowerCase()) s += PUNCTUATION.has(ch) ? ' ' : ch;
  // Python's str.split() splits on Unicode whitespace; \s in a JS regex covers the same set in practice.
  return s.split(/\s+/).filter((t) => t.length > 0 && !ARTICLES.has(t));
}

/** SQuAD-style bag-of-tokens F1 (score.py's f1). */
export function tokenF1(prediction: string, reference: string): number {
  const p = answerTokens(prediction);
  const r = answerTokens(reference);
  if (p.length === 0 || r.length === 0) return 0;
  const counts = new Map<string, number>();
  for (const t of r) counts.set(t, (counts.get(t) ?? 0) + 1);
  let common = 0;
  for (const t of p) {
    const c = counts.get(t) ?? 0;
    if (c > 0) { common++; counts.set(t, c - 1); }
  }
  if (common === 0) return 0;
  const precision = common / p.length;
  const recall = common / r.length;
  return (2 * precision * recall) / (precision + recall);
}

/** Exact match after the same normalisation as token F1 (SQuAD's EM): the token sequences are equal. */
export function exactMatch(prediction: string, reference: string): number {
  const p = answerTokens(prediction);
  const r = answerTokens(reference);
  return p.length === r.length && p.every((t, i) => t === r[i]) ? 1 : 0;
}

/**
 * Collapse a ranked list of paths (one per retrieved chunk) to ranked distinct files, as score.py does:
 * first occurrence wins; null keeps its rank as a placeholder (a prediction absent from the corpus).
 */
export function rankedFiles(paths: Array<string | null>): Array<string | null> {
  const out: Array<string | null> = [];
  const seen = new Set<string>();
  for (const p of paths) {
    if (p === null) { out.push(null); continue; }
    const n = normPath(p);
    if (!seen.has(n)) { seen.add(n); out.push(n); }
  }
  return out;
}

export interface RetrievalMetrics {
  'recall@1': number; 'recall@5': number; 'recall@10': number;
  'hit@1': number; 'hit@5': number; 'hit@10': number;
  mrr: number;
}

/** File-level Recall@k, hit@k and MRR for one question (score.py). `ranked` may hold duplicates; they are collapsed. */
export function retrievalMetrics(ranked: Array<string | null>, goldFiles: string[]): RetrievalMetrics {
  if (goldFiles.length === 0) throw new Error('retrievalMetrics: a question without gold files cannot be scored');
  const files = rankedFiles(ranked);
  const gold = new Set(goldFiles);
  const m: Record<string, number> = {};
  for (const k of RANK_CUTOFFS) {
    const top = new Set(files.slice(0, k).filter((f): f is string => f !== null));
    let inter = 0;
    for (const g of gold) if (top.has(g)) inter++;
    m[`recall@${k}`] = inter / gold.size;
    m[`hit@${k}`] = inter > 0 ? 1 : 0;
  }
  const first = files.findIndex((f) => f !== null && gold.has(f));
  m.mrr = first < 0 ? 0 : 1 / (first + 1);
  return m as unknown as RetrievalMetrics;
}

function overlaps(a: Span, b: Span, slack: number): boolean {
  return normPath(a[0]) === b[0] && a[1] <= b[2] + slack && a[2] >= b[1] - slack;
}

export interface CitationMetrics {
  citation_file_precision: number;
  citation_file_hit: number;
  /** Only when the question has gold lines. */
  citation_line_hit?: number;
}

/** score.py's citation metrics: cited files against gold files; cited spans against gold spans (±slack lines). */
export function citationMetrics(
  citations: Span[], goldFiles: string[], goldLines: Span[] | undefined, slack = DEFAULT_LINE_SLACK,
): CitationMetrics {
  const gold = new Set(goldFiles);
  const cited = citations.map((c) => normPath(c[0]));
  const inGold = cited.filter((p) => gold.has(p)).length;
  const m: CitationMetrics = {
    citation_file_precision: cited.length ? inGold / cited.length : 0,
    citation_file_hit: inGold > 0 ? 1 : 0,
  };
  if (goldLines && goldLines.length > 0) {
    m.citation_line_hit = citations.some((c) => goldLines.some((g) => overlaps(c, g, slack))) ? 1 : 0;
  }
  return m;
}

/**
 * Span-level hit@k (ours): 1 when any of the top-k retrieved chunks overlaps a gold span, with the same ±slack
 * as citation_line_hit. Retrieval-side twin of the citation line hit, defined only where gold lines exist.
 */
export function spanHitAtK(retrieved: Span[], goldLines: Span[], k: number, slack = DEFAULT_LINE_SLACK): number {
  return retrieved.slice(0, k).some((c) => goldLines.some((g) => overlaps(c, g, slack))) ? 1 : 0;
}

/** A per-question metric row: metric name → value; metrics a question lacks are simply absent. */
export type MetricRow = Record<string, number>;

export interface ScopeSummary {
  n: number;
  /** Mean of each metric over the questions that have it. */
  mean: Record<string, number>;
  /** How many questions carried each metric (shown when it differs from n, as score.py's `_n` keys). */
  count: Record<string, number>;
}

/** Means per scope ('ALL' and each group key), as score.py aggregates (rounded only when printed). */
export function aggregate(rows: Array<{ group: string; metrics: MetricRow }>): Record<string, ScopeSummary> {
  const acc = new Map<string, { n: number; sums: Map<string, number>; counts: Map<string, number> }>();
  const add = (scope: string, metrics: MetricRow) => {
    let a = acc.get(scope);
    if (!a) { a = { n: 0, sums: new Map(), counts: new Map() }; acc.set(scope, a); }
    a.n++;
    for (const [k, v] of Object.entries(metrics)) {
      a.sums.set(k, (a.sums.get(k) ?? 0) + v);
      a.counts.set(k, (a.counts.get(k) ?? 0) + 1);
    }
  };
  for (const r of rows) { add('ALL', r.metrics); add(r.group, r.metrics); }
  const out: Record<string, ScopeSummary> = {};
  const scopes = [...acc.keys()].sort((a, b) => (a === 'ALL' ? -1 : b === 'ALL' ? 1 : a.localeCompare(b)));
  for (const s of scopes) {
    const a = acc.get(s)!;
    const mean: Record<string, number> = {};
    const count: Record<string, number> = {};
    for (const [k, sum] of a.sums) { mean[k] = sum / a.counts.get(k)!; count[k] = a.counts.get(k)!; }
    out[s] = { n: a.n, mean, count };
  }
  return out;
}

/** A file name by its extension (`app.py`), as against a dotted chain (`json.dumps`). */
const SOURCE_FILE = /\.(py|pyi|js|jsx|mjs|cjs|ts|tsx|go|java|rs|rb|c|h|cc|cpp|hpp|cs|php|swift|kt|scala|md|rst|json|ya?ml|toml|cfg|ini|txt|sh)$/;

/**
 * Whether the first name an answer quotes (its first backticked span) is one the reference answer uses (ours): the
 * span's identifier (a call's name, a dotted chain's last part, a path's file name without extension) as a whole
 * word of the reference. 1 or 0; null for an answer that quotes nothing. Token F1 cannot tell an answer that names
 * the function a reference explains from one that names `None`; this can.
 */
export function firstNameInReference(answer: string, reference: string): number | null {
  const span = /`([^`]+)`/.exec(answer)?.[1];
  if (span === undefined) return null;
  const head = span.split('(', 1)[0].trim();
  const name = head.includes('/') || SOURCE_FILE.test(head)
    ? head.slice(head.lastIndexOf('/') + 1).replace(/\.[^.]*$/, '')
    : head.slice(head.lastIndexOf('.') + 1);
  if (!/[\p{L}\p{N}_]/u.test(name)) return 0;
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(?<![\\p{L}\\p{N}_])${escaped}(?![\\p{L}\\p{N}_])`, 'u').test(reference) ? 1 : 0;
}
