/**
 * The encoder baseline: a MiniLM-L6-shaped BERT (random weights, exported by bench/python/export_minilm.py) run
 * through transformers.js offline, mean-pooled and normalised — the feature-extraction path Continue's
 * transformers.js embeddings provider uses — at batch 1 (as Continue indexes) and at the product's batch size.
 */
import { basename, dirname } from 'node:path';

export interface EncoderRate {
  batch: number;
  chunks: number;
  ms: number;
  chunksPerSec: number;
}

type Extractor = (texts: string[], options: { pooling: 'mean'; normalize: boolean }) => Promise<unknown>;

export class MiniLmBaseline {
  private constructor(private readonly extract: Extractor) {}

  /** `modelDir`: the folder export_minilm.py wrote (config.json, tokenizer.json, onnx/model.onnx). */
  static async load(modelDir: string): Promise<MiniLmBaseline> {
    const tf = await import('@huggingface/transformers');
    tf.env.allowRemoteModels = false;
    tf.env.allowLocalModels = true;
    tf.env.localModelPath = `${dirname(modelDir)}/`;
    const extractor = await tf.pipeline('feature-extraction', basename(modelDir), { dtype: 'fp32', device: 'cpu' });
    return new MiniLmBaseline(extractor as unknown as Extractor);
  }

  /** Embed `texts` in batches of `batch`; one warm-up batch is run first and not timed. */
  async rate(texts: string[], batch: number): Promise<EncoderRate> {
    await this.extract(texts.slice(0, batch), { pooling: 'mean', normalize: true });
    const t0 = performance.now();
    for (let i = 0; i < texts.length; i += batch) {
      await this.extract(texts.slice(i, i + batch), { pooling: 'mean', normalize: true });
    }
    const ms = performance.now() - t0;
    return { batch, chunks: texts.length, ms, chunksPerSec: (texts.length / ms) * 1000 };
  }
}
