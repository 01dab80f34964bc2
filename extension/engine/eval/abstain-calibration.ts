/**
 * Measures a bundle's abstention threshold (`retrieval.abstain_below`) through the product: the training run's files
 * are written back and indexed by the product's indexer, except every other held-out file, so questions about the
 * indexed held-out files are answerable and questions about the absent ones are not. Each question goes through
 * retrieve() exactly as answering calls it (fused, default top-k), and its best memory score is what answering
 * compares with the threshold.
 *
 * The threshold decides only the questions whose named code was not found, so it is set on those: at most
 * `maxFalseAbstain` of the answerable ones among them abstain. The memory score is a
 * weak relevance signal (the pipeline's own held-out balanced accuracy is about 0.65) and real questions score lower
 * than synthesized ones, so the threshold that maximises balanced accuracy refused most real questions (every SWE-QA
 * question with tiny, 100 %). Refusing a question the code answers costs the user more than an answer whose sources
 * are shown. The balanced-accuracy optimum is reported beside it.
 */
import * as path from 'node:path';
import { bestMemoryScore, namedCodeMatch } from '../answer/abstention';
import { ChunkTextReader } from '../chunking/chunk-text-reader';
import { DEFAULT_TOP_K } from '../clara-engine';
import { retrievalQuestion } from '../retrieval/question-cut';
import { retrieve } from '../retrieval/retrieve';
import { indexRunWorkspace, readRunFiles, runFilePaths, sourceChunks, tenthsLogger } from './training-run-files';

export const DEFAULT_MAX_FALSE_ABSTAIN = 0.05;

export interface AbstainCalibration {
  threshold: number;
  maxFalseAbstain: number;
  answerable: number;
  unanswerable: number;
  /** Shares of each kind whose named code was found in the blocks read (they never abstain). */
  namedFound: { answerable: number; unanswerable: number };
  /** Shares at the chosen threshold, over all questions of each kind. */
  answerableAbstained: number;
  unanswerableAbstained: number;
  balancedAccuracy: number;
  /** The threshold maximising balanced accuracy on the questions it decides, for the record. */
  bestBalanced: { threshold: number; balancedAccuracy: number; answerableAbstained: number };
  filesIndexed: number;
  filesAbsent: number;
}

/** Abstains when best < t. */
function rates(pos: number[], neg: number[], t: number) {
  const answerableAbstained = pos.filter((s) => s < t).length / Math.max(1, pos.length);
  const unanswerableAbstained = neg.filter((s) => s < t).length / Math.max(1, neg.length);
  return { answerableAbstained, unanswerableAbstained, balancedAccuracy: (1 - answerableAbstained + unanswerableAbstained) / 2 };
}

/**
 * The highest threshold at which at most `maxFalseAbstain` of the answerable best scores fall below it, with the
 * rates it gives, and the balanced-accuracy optimum over every observed score.
 */
export function chooseAbstainThreshold(answerable: number[], unanswerable: number[], maxFalseAbstain: number) {
  if (answerable.length === 0) throw new Error('no answerable held-out questions to calibrate abstention on');
  const sorted = [...answerable].sort((a, b) => a - b);
  const allowed = Math.floor(maxFalseAbstain * sorted.length);
  const threshold = sorted[allowed];
  let best = { threshold: sorted[0], ...rates(answerable, unanswerable, sorted[0]) };
  for (const t of [...answerable, ...unanswerable]) {
    const r = rates(answerable, unanswerable, t);
    if (r.balancedAccuracy > best.balancedAccuracy) best = { threshold: t, ...r };
  }
  return {
    threshold, ...rates(answerable, unanswerable, threshold),
    bestBalanced: { threshold: best.threshold, balancedAccuracy: best.balancedAccuracy, answerableAbstained: best.answerableAbstained },
  };
}

interface Outcome { score: number; found: boolean }

/**
 * The threshold for the questions whose named code was not found (all answerable ones when every one was found), and
 * the rates it gives over all questions: one whose named code was found never abstains.
 */
export function chooseWithNamedCode(answerable: Outcome[], unanswerable: Outcome[], maxFalseAbstain: number) {
  const undecided = (list: Outcome[]) => list.filter((o) => !o.found).map((o) => o.score);
  const pos = undecided(answerable);
  const chosen = chooseAbstainThreshold(pos.length > 0 ? pos : answerable.map((o) => o.score), undecided(unanswerable), maxFalseAbstain);
  const share = (list: Outcome[], f: (o: Outcome) => boolean) => list.filter(f).length / Math.max(1, list.length);
  const abstainsAt = (o: Outcome) => !o.found && o.score < chosen.threshold;
  const answerableAbstained = share(answerable, abstainsAt);
  const unanswerableAbstained = share(unanswerable, abstainsAt);
  return {
    threshold: chosen.threshold, answerableAbstained, unanswerableAbstained,
    balancedAccuracy: (1 - answerableAbstained + unanswerableAbstained) / 2,
    bestBalanced: chosen.bestBalanced,
    namedFound: { answerable: share(answerable, (o) => o.found), unanswerable: share(unanswerable, (o) => o.found) },
  };
}

export async function calibrateAbstention(options: {
  bundleDir: string;
  runDir: string;
  workDir: string;
  limit?: number;
  maxFalseAbstain?: number;
  log: (message: string) => void;
}): Promise<AbstainCalibration> {
  const maxFalseAbstain = options.maxFalseAbstain ?? DEFAULT_MAX_FALSE_ABSTAIN;
  const { chunks, samples } = readRunFiles(options.runDir, options.limit);
  const byId = new Map(chunks.map((c) => [c.id, c]));
  const fileOf = runFilePaths(chunks);
  const heldOutFiles = [...new Set(samples.flatMap((s) => sourceChunks(s, byId).map(fileOf)))].sort();
  const absent = new Set(heldOutFiles.filter((_, i) => i % 2 === 1));
  const { engine, files } = await indexRunWorkspace({ ...options, chunks, leaveOut: absent });
  try {
    const { bundle, store } = engine;
    const reader = new ChunkTextReader(path.join(options.workDir, 'workspace'));
    const answerable: Outcome[] = [];
    const unanswerable: Outcome[] = [];
    const tick = tenthsLogger(samples.length, 'asked questions', options.log);
    for (const [i, s] of samples.entries()) {
      tick(i + 1);
      const gold = sourceChunks(s, byId).map(fileOf);
      if (gold.length === 0) continue;
      const missing = gold.filter((f) => absent.has(f)).length;
      if (missing > 0 && missing < gold.length) continue; // partly answerable: neither side
      const hits = await retrieve(bundle, store, s.question, { topK: DEFAULT_TOP_K, lexicalFusion: true });
      const span = retrievalQuestion(bundle.tokenizer, s.question, bundle.manifest.query_max_tokens).forLexical;
      const found = namedCodeMatch(span, hits.slice(0, bundle.manifest.generator.max_blocks), (h) => reader.read(h)).found.length > 0;
      (missing === 0 ? answerable : unanswerable).push({ score: bestMemoryScore(hits), found });
    }
    return {
      ...chooseWithNamedCode(answerable, unanswerable, maxFalseAbstain),
      maxFalseAbstain, answerable: answerable.length, unanswerable: unanswerable.length,
      filesIndexed: files, filesAbsent: absent.size,
    };
  } finally {
    await engine.close();
  }
}
