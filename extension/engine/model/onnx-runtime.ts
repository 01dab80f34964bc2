/**
 * The one module that imports onnxruntime-node (STYLE.md: one seam per foreign system). It opens sessions on the
 * requested execution provider and converts tensors to and from the plain TensorData of onnx-model.ts.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { ExecutionProviderError, type OnnxModel, type TensorData } from './onnx-model';

export type ProviderChoice = 'auto' | 'cpu' | 'cuda';

/**
 * Intra-op threads: the machine's cores up to 4. Small models gain nothing past that, and the indexer and the editor
 * share the same cores. CLARA_THREADS overrides (e.g. 1 for a quiet background indexer).
 */
export function intraOpThreads(): number {
  const fromEnv = Number(process.env.CLARA_THREADS);
  if (Number.isInteger(fromEnv) && fromEnv > 0) return fromEnv;
  return Math.max(1, Math.min(4, availableParallelism()));
}

/**
 * Whether the CUDA execution provider can be tried: onnxruntime-node must list it and its provider library must be
 * installed next to the binding (an opt-in download, see docs/CLI.md). Returns the reason when it cannot.
 */
export function cudaSupport(): { available: boolean; reason: string } {
  const listed = ort.listSupportedBackends?.().some((b) => b.name === 'cuda') ?? false;
  if (!listed) return { available: false, reason: 'this onnxruntime-node build does not list the CUDA provider' };
  const binDir = path.join(path.dirname(require.resolve('onnxruntime-node')), '..', 'bin', 'napi-v6', process.platform, process.arch);
  const lib = process.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so';
  if (!existsSync(path.join(binDir, lib))) {
    return { available: false, reason: `the CUDA provider library (${lib}) is not installed in ${binDir}` };
  }
  return { available: true, reason: '' };
}

class OrtModel implements OnnxModel {
  constructor(
    readonly file: string,
    private readonly session: ort.InferenceSession,
    readonly executionProvider: 'cuda' | 'cpu',
  ) {}

  get inputNames(): readonly string[] { return this.session.inputNames; }
  get outputNames(): readonly string[] { return this.session.outputNames; }

  async run(feeds: Record<string, TensorData>): Promise<Record<string, TensorData>> {
    const ortFeeds: Record<string, ort.Tensor> = {};
    for (const [name, t] of Object.entries(feeds)) ortFeeds[name] = new ort.Tensor(t.type, t.data, t.dims);
    const results = await this.session.run(ortFeeds);
    const out: Record<string, TensorData> = {};
    for (const [name, t] of Object.entries(results)) {
      if (t.type === 'float32') out[name] = { type: 'float32', data: t.data as Float32Array, dims: t.dims };
      else if (t.type === 'int64') out[name] = { type: 'int64', data: t.data as BigInt64Array, dims: t.dims };
      else throw new Error(`${this.file}: output '${name}' has unsupported type ${t.type}`);
    }
    return out;
  }

  async release(): Promise<void> { await this.session.release(); }
}

function sessionOptions(provider: 'cuda' | 'cpu'): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: [provider],
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    intraOpNumThreads: intraOpThreads(),
    interOpNumThreads: 1,
    // Weight-only int8 files (docs/BUNDLE.md) store weights as int8 + DequantizeLinear. With this entry onnxruntime
    // folds them into fp32 weights when the session starts, so the file computes exactly what its parity was
    // measured on; without it, the CPU provider fuses them into kernels that also quantize activations.
    extra: { session: { disable_quant_qdq: '1' } },
  };
}

/**
 * Opens `file` on the requested provider. 'auto' tries CUDA only when cudaSupport() says it can work and falls back
 * to the CPU if the session still fails (e.g. no CUDA driver); 'cuda' fails with the reason instead of falling back.
 */
export async function openOnnxModel(file: string, provider: ProviderChoice): Promise<OnnxModel> {
  if (provider !== 'cpu') {
    const cuda = cudaSupport();
    if (cuda.available) {
      try {
        return new OrtModel(file, await ort.InferenceSession.create(file, sessionOptions('cuda')), 'cuda');
      } catch (err) {
        if (provider === 'cuda') throw new ExecutionProviderError(`CUDA execution provider failed to start: ${(err as Error).message}`);
      }
    } else if (provider === 'cuda') {
      throw new ExecutionProviderError(`CUDA execution provider requested, but ${cuda.reason}. See docs/CLI.md (GPU) for the opt-in install.`);
    }
  }
  return new OrtModel(file, await ort.InferenceSession.create(file, sessionOptions('cpu')), 'cpu');
}
