/**
 * Materialising evaluation corpora: the eval kit's get-corpus.sh for library corpora (cached, so a second run does
 * nothing), and the CoSQA snippets written one file each so that the product's own indexer indexes them.
 * Nothing of the kit is copied into the repository; everything lands in the cache folder.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { COSQA_CORPUS_ID, EvalDataError, cosqaSnippetPath, loadCosqaCodes } from './eval-sets';

const run = promisify(execFile);

/** $CLARA_EVAL_CACHE, else ~/.cache/clara-eval. Corpora go to <cache>/corpora/<id>, stores to <cache>/stores/. */
export function defaultEvalCacheDir(): string {
  return process.env.CLARA_EVAL_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'clara-eval');
}

/** Corpus ids the kit knows (corpora.json keys) plus 'cosqa'. */
export function knownCorpora(dataDir: string): string[] {
  const file = join(dataDir, 'corpora.json');
  if (!existsSync(file)) throw new EvalDataError(`corpora.json not found in ${dataDir} (set CLARA_EVAL_DATA)`);
  return [...Object.keys(JSON.parse(readFileSync(file, 'utf8')) as object), COSQA_CORPUS_ID];
}

/**
 * Fetch corpus `id` with get-corpus.sh into <cache>/corpora/<id> (idempotent) and return the folder to index,
 * to which all gold paths are relative.
 */
export async function materialiseCorpus(dataDir: string, cacheDir: string, id: string): Promise<string> {
  if (id === COSQA_CORPUS_ID) return materialiseCosqa(dataDir, cacheDir);
  const known = knownCorpora(dataDir);
  if (!known.includes(id)) throw new EvalDataError(`unknown corpus '${id}'; known: ${known.join(', ')}`);
  const script = join(dataDir, 'get-corpus.sh');
  const dest = join(cacheDir, 'corpora', id);
  mkdirSync(join(cacheDir, 'corpora'), { recursive: true });
  try {
    const { stdout } = await run('bash', [script, id, dest], { maxBuffer: 16 * 1024 * 1024 });
    const root = stdout.trim().split('\n').pop() ?? '';
    if (!root || !existsSync(root)) throw new Error(`get-corpus.sh printed no existing folder (got '${root}')`);
    return root;
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new EvalDataError(`could not fetch corpus '${id}': ${(err.stderr || err.message).trim()}`);
  }
}

/**
 * Write the 6,267 CoSQA snippets to <cache>/corpora/cosqa/snippets/NNNN.py. A stamp beside the folder (not in it,
 * or the indexer would index it) records the count, so a finished corpus is reused and a half-written one redone.
 */
export function materialiseCosqa(dataDir: string, cacheDir: string): string {
  const root = join(cacheDir, 'corpora', COSQA_CORPUS_ID);
  const stamp = `${root}.stamp`;
  const codes = loadCosqaCodes(join(dataDir, 'cosqa'));
  const want = `cosqa ${codes.size} snippets`;
  if (existsSync(stamp) && existsSync(root) && readFileSync(stamp, 'utf8').trim() === want) return root;
  const tmp = `${root}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  rmSync(stamp, { force: true });
  mkdirSync(join(tmp, 'snippets'), { recursive: true });
  for (const [idx, code] of codes) writeFileSync(join(tmp, cosqaSnippetPath(idx)), code.endsWith('\n') ? code : `${code}\n`);
  rmSync(root, { recursive: true, force: true });
  renameSync(tmp, root);
  writeFileSync(stamp, `${want}\n`);
  return root;
}
