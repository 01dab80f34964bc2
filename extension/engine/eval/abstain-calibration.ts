/**
 * Measures a bundle's abstention threshold (`retrieval.abstain_below`) through the product: the training run's files
 * are written back and indexed by the product's indexer, except every other held-out file, so questions about the
 * indexed held-out files are answerable and questions about the absent ones are not. Each question goes through
 * retrieve() exactly as answering calls it (fused, default top-k), and its best memory score is what answering
 * compares with the threshold.
 *
 * The threshold is set so that at most `maxFalseAbstain` of the answerable questions abstain: the memory score is a
 * weak relevance signal (the pipeline's own held-out balanced accuracy is about 0.65) and real questions score lower
 * than synthesized ones, so the threshold that maximises balanced accuracy refused most real questions (every SWE-QA
 * question with tiny, 100 %). Refusing a question the code answers costs the user more than an answer whose sources
 * are shown. The balanced-accuracy optimum is reported beside it.
 */
import { bestMemoryScore } from '../answer/abstention';
import { DEFAULT_TOP_K } from '../clara-engine';
import { retrieve } from '../retrieval/retrieve';
import { indexRunWorkspace, readRunFiles, runFilePaths, sourceChunks } from './training-run-files';

export const DEFAULT_MAX_FALSE_ABSTAIN = 0.05;

export interface AbstainCalibration {
  threshold: number;
  maxFalseAbstain: number;
  answerable: number;
  unanswerable: number;
  /** Shares at the chosen threshold. */
  answerableAbstained: number;
  unanswerableAbstained: number;
  balancedAccuracy: number;
  /** The threshold maximising balanced accuracy, for the record. */
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
    const answerable: number[] = [];
    const unanswerable: number[] = [];
    for (const s of samples) {
      const gold = sourceChunks(s, byId).map(fileOf);
      if (gold.length === 0) continue;
      const missing = gold.filter((f) => absent.has(f)).length;
      if (missing > 0 && missing < gold.length) continue; // partly answerable: neither side
      const hits = await retrieve(engine.bundle, engine.store, s.question, { topK: DEFAULT_TOP_K, lexicalFusion: true });
      (missing === 0 ? answerable : unanswerable).push(bestMemoryScore(hits));
    }
    return {
      ...chooseAbstainThreshold(answerable, unanswerable, maxFalseAbstain),
      maxFalseAbstain, answerable: answerable.length, unanswerable: unanswerable.length,
      filesIndexed: files, filesAbsent: absent.size,
    };
  } finally {
    await engine.close();
  }
}
