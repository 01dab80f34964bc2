/**
 * Loads a model bundle folder (docs/BUNDLE.md): checks the manifest, the sha256 of every file, the tokenizer and the
 * three ONNX graphs' signatures, and returns the ModelBundle the engine works with. Any problem with a file is a
 * BundleError naming it; an execution provider that cannot run here is an ExecutionProviderError.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import * as path from 'node:path';
import type { ModelBundle } from '../engine-parts';
import { BundleError } from './bundle-error';
import type { BundleManifest } from './bundle-manifest';
import { BundleTokenizer } from './bundle-tokenizer';
import { KvCacheGenerator } from './kv-cache-generator';
import { expectedSha256, readManifest } from './manifest-check';
import { OnnxMemoryEncoder } from './memory-encoder';
import { ExecutionProviderError, type OnnxModel } from './onnx-model';
import { openOnnxModel, type ProviderChoice } from './onnx-runtime';

export { defaultBundleDir } from './package-root';

export interface LoadedBundle extends ModelBundle {
  readonly tokenizer: BundleTokenizer;
  readonly compressor: OnnxMemoryEncoder;
  readonly query: OnnxMemoryEncoder;
  readonly generator: KvCacheGenerator;
}

export async function loadBundle(dir: string, options: { executionProvider: 'auto' | 'cpu' | 'cuda' }): Promise<ModelBundle> {
  return loadBundleParts(dir, options.executionProvider);
}

/** loadBundle with the concrete parts exposed (the parity test drives the generator by ids). */
export async function loadBundleParts(dir: string, provider: ProviderChoice): Promise<LoadedBundle> {
  const root = path.resolve(dir);
  const manifest = readManifest(root);
  const file = (role: keyof BundleManifest['files']) => path.join(root, manifest.files[role]);
  const bytes = {} as Record<keyof BundleManifest['files'], Buffer>;
  for (const role of ['tokenizer', 'tokenizer_config', 'compressor', 'query', 'generator'] as const) {
    bytes[role] = await readChecked(file(role), expectedSha256(manifest, role));
  }

  const tokenizer = new BundleTokenizer(parseJson(file('tokenizer'), bytes.tokenizer), parseJson(file('tokenizer_config'), bytes.tokenizer_config));
  checkSpecialTokens(manifest, tokenizer, file('tokenizer'));

  const opened: OnnxModel[] = [];
  try {
    const compressorModel = await openGraph(file('compressor'), provider, opened);
    const queryModel = await openGraph(file('query'), provider, opened);
    const generatorModel = await openGraph(file('generator'), provider, opened);
    for (const m of [compressorModel, queryModel]) checkNames(m, ['input_ids', 'attention_mask'], ['memory']);
    const g = manifest.generator;
    const past = Array.from({ length: g.layers }, (_, i) => [`past_key_values.${i}.key`, `past_key_values.${i}.value`]).flat();
    const present = Array.from({ length: g.layers }, (_, i) => [`present.${i}.key`, `present.${i}.value`]).flat();
    checkNames(generatorModel, ['memory', 'input_ids', ...past], ['logits', ...present]);

    const encoderConfig = { padId: manifest.pad_id, memTokens: manifest.mem_tokens, hidden: manifest.hidden };
    const compressor = new OnnxMemoryEncoder(compressorModel, tokenizer, { ...encoderConfig, maxTokens: manifest.doc_max_tokens });
    const query = new OnnxMemoryEncoder(queryModel, tokenizer, { ...encoderConfig, maxTokens: manifest.query_max_tokens });
    const generator = new KvCacheGenerator(generatorModel, tokenizer, {
      layers: g.layers, heads: g.heads, headDim: g.head_dim, memTokens: manifest.mem_tokens, hidden: manifest.hidden,
      maxBlocks: g.max_blocks, maxNewTokens: g.max_new_tokens, maxContext: g.max_context,
      queryMaxTokens: manifest.query_max_tokens, promptTemplate: g.prompt_template, eosId: manifest.eos_id,
    });
    // All three sessions share one provider choice; report CUDA only if every one of them got it.
    const executionProvider = opened.every((m) => m.executionProvider === 'cuda') ? 'cuda' : 'cpu';
    return {
      dir: root, manifest, tokenizer, compressor, query, generator, executionProvider,
      close: async () => { await Promise.all(opened.map((m) => m.release())); },
    };
  } catch (err) {
    await Promise.all(opened.map((m) => m.release().catch(() => undefined)));
    throw err;
  }
}

async function readChecked(file: string, expected: string | undefined): Promise<Buffer> {
  let data: Buffer;
  try {
    data = await readFile(file);
  } catch (err) {
    throw new BundleError(file, (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : `unreadable (${(err as Error).message})`);
  }
  if (!expected) throw new BundleError(file, 'has no sha256 entry in manifest.json');
  const actual = createHash('sha256').update(data).digest('hex');
  if (actual !== expected) {
    throw new BundleError(file, `sha256 mismatch with manifest.json (${data.length} bytes; truncated, changed or from another export): expected ${expected}, got ${actual}`);
  }
  return data;
}

function parseJson(file: string, data: Buffer): object {
  try {
    const value: unknown = JSON.parse(data.toString('utf8'));
    if (typeof value !== 'object' || value === null) throw new Error('not a JSON object');
    return value;
  } catch (err) {
    throw new BundleError(file, `not valid JSON (${(err as Error).message})`);
  }
}

function checkSpecialTokens(manifest: BundleManifest, tokenizer: BundleTokenizer, file: string): void {
  const expected: Array<[string, number]> = [
    [manifest.special_tokens.pad, manifest.pad_id], [manifest.special_tokens.bos, manifest.bos_id], [manifest.special_tokens.eos, manifest.eos_id],
  ];
  for (const [token, id] of expected) {
    const actual = tokenizer.tokenId(token);
    if (actual !== id) throw new BundleError(file, `special token ${token} has id ${actual}, manifest.json says ${id}`);
  }
}

async function openGraph(file: string, provider: ProviderChoice, opened: OnnxModel[]): Promise<OnnxModel> {
  const size = (await stat(file)).size;
  try {
    const model = await openOnnxModel(file, provider);
    opened.push(model);
    return model;
  } catch (err) {
    if (err instanceof ExecutionProviderError) throw err;
    throw new BundleError(file, `ONNX Runtime cannot load it (${size} bytes): ${(err as Error).message}`);
  }
}

function checkNames(model: OnnxModel, inputs: string[], outputs: string[]): void {
  const missingIn = inputs.filter((n) => !model.inputNames.includes(n));
  const missingOut = outputs.filter((n) => !model.outputNames.includes(n));
  if (missingIn.length || missingOut.length) {
    const parts = [missingIn.length ? `inputs ${missingIn.join(', ')}` : '', missingOut.length ? `outputs ${missingOut.join(', ')}` : ''];
    throw new BundleError(model.file, `does not match the bundle contract: missing ${parts.filter(Boolean).join(' and ')}`);
  }
}
