/**
 * Reads models/<bundle>/manifest.json and checks it against BundleManifest before anything else is opened, so that a
 * wrong or old bundle is refused with a message naming the field instead of failing later inside a session run.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { BundleError } from './bundle-error';
import { BUNDLE_FORMAT, type BundleManifest } from './bundle-manifest';

const POSITIVE_INTS = ['doc_max_tokens', 'query_max_tokens', 'compression_rate', 'mem_tokens', 'hidden'] as const;
const GENERATOR_INTS = ['layers', 'heads', 'head_dim', 'max_blocks', 'max_new_tokens', 'max_context'] as const;
const FILE_ROLES = ['tokenizer', 'tokenizer_config', 'compressor', 'query', 'generator'] as const;

export function readManifest(dir: string): BundleManifest {
  const file = path.join(dir, 'manifest.json');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new BundleError(file, (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : `unreadable (${(err as Error).message})`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(nonFiniteToNull(text));
  } catch (err) {
    throw new BundleError(file, `not valid JSON, truncated or corrupt (${(err as Error).message})`);
  }
  const problem = manifestProblem(raw);
  if (problem) throw new BundleError(file, problem);
  return raw as BundleManifest;
}

/**
 * Python's json.dumps writes NaN / Infinity / -Infinity (allow_nan defaults to True), e.g. for an evaluation figure
 * that could not be computed. They are not JSON; outside strings they become null, and the fields the engine needs
 * are then checked like any other value (a null threshold is still refused).
 */
export function nonFiniteToNull(text: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      out += ch;
      if (ch === '\\') { out += text[++i] ?? ''; continue; }
      if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') { inString = true; out += ch; continue; }
    const word = /^(?:-?Infinity|NaN)/.exec(text.slice(i, i + 9));
    if (word) { out += 'null'; i += word[0].length - 1; continue; }
    out += ch;
  }
  return out;
}

/** The first thing wrong with a parsed manifest, or null. */
export function manifestProblem(raw: unknown): string | null {
  if (!isObject(raw)) return 'not a JSON object';
  if (raw.format !== BUNDLE_FORMAT) {
    return `format is ${JSON.stringify(raw.format)}, this engine reads ${JSON.stringify(BUNDLE_FORMAT)}; re-export the bundle`;
  }
  for (const key of ['name', 'version', 'config', 'doc_template'] as const) {
    if (typeof raw[key] !== 'string' || raw[key] === '') return `'${key}' must be a non-empty string`;
  }
  if (!(raw.doc_template as string).includes('{code}')) return `'doc_template' has no {code} placeholder`;
  for (const key of POSITIVE_INTS) if (!isPositiveInt(raw[key])) return `'${key}' must be a positive integer`;
  for (const key of ['pad_id', 'bos_id', 'eos_id'] as const) {
    if (!Number.isInteger(raw[key]) || (raw[key] as number) < 0) return `'${key}' must be a token id`;
  }
  const retrieval = raw.retrieval;
  if (!isObject(retrieval) || retrieval.metric !== 'cosine-flat') return `'retrieval.metric' must be "cosine-flat"`;
  if (typeof retrieval.abstain_below !== 'number' || !Number.isFinite(retrieval.abstain_below)) {
    return `'retrieval.abstain_below' must be a number`;
  }
  const fusionProblem = checkFusion(retrieval.fusion);
  if (fusionProblem) return fusionProblem;
  const generator = raw.generator;
  if (!isObject(generator)) return `'generator' must be an object`;
  for (const key of GENERATOR_INTS) if (!isPositiveInt(generator[key])) return `'generator.${key}' must be a positive integer`;
  if (typeof generator.prompt_template !== 'string' || !generator.prompt_template.includes('{question}')) {
    return `'generator.prompt_template' must be a string with a {question} placeholder`;
  }
  const files = raw.files;
  if (!isObject(files)) return `'files' must be an object`;
  for (const role of FILE_ROLES) {
    const name = files[role];
    if (typeof name !== 'string' || name === '' || name.includes('..') || path.isAbsolute(name)) {
      return `'files.${role}' must be a file name inside the bundle`;
    }
  }
  if (!isObject(raw.sha256)) return `'sha256' must be an object of file → hex digest`;
  return null;
}

/** The expected digest of a bundle file: sha256 is keyed by file name (or, tolerated, by role). */
export function expectedSha256(manifest: BundleManifest, role: keyof BundleManifest['files']): string | undefined {
  const name = manifest.files[role];
  const digest = manifest.sha256[name] ?? manifest.sha256[role];
  return typeof digest === 'string' ? digest.toLowerCase() : undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isPositiveInt(v: unknown): boolean {
  return Number.isInteger(v) && (v as number) > 0;
}

function checkFusion(fusion: unknown): string | null {
  if (fusion === undefined) return null;
  if (!isObject(fusion)) return `'retrieval.fusion' must be an object`;
  for (const key of ['memory_weight', 'lexical_weight'] as const) {
    const w = fusion[key];
    if (typeof w !== 'number' || !Number.isFinite(w) || w < 0) return `'retrieval.fusion.${key}' must be a number ≥ 0`;
  }
  if ((fusion.memory_weight as number) + (fusion.lexical_weight as number) <= 0) {
    return `'retrieval.fusion' weights must not both be 0`;
  }
  return null;
}
