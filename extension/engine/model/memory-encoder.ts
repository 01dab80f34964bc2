/**
 * compressor.onnx / query.onnx as a MemoryEncoder: formatted texts → one un-normalised flat L·d memory each.
 * Each text is tokenised, truncated to the graph's token budget and run on its own (batch 1, no padding).
 *
 * Why one text per session run: a dynamically quantised int8 graph (docs/MODEL.md, "Export and parity") quantises
 * activations with one scale per input tensor, so a batched text's memory depended on the other texts of its batch
 * and a resumed or incremental index differed slightly from a fresh one (cosine ≥ 0.99998, entries up to ~2% apart).
 * Alone, a text's memory is a function of the text only (bitwise identical in any order), and on 2 CPU cores
 * batching bought nothing measurable (tiny bundle, 768 chunks: 565–759 chunks/s alone vs 643–724 in batches of 16,
 * docs/RELIABILITY.md).
 */
import type { MemoryEncoder, TextTokenizer } from '../engine-parts';
import { floatOutput, int64Tensor, type OnnxModel } from './onnx-model';

export interface MemoryEncoderConfig {
  maxTokens: number;
  padId: number;
  memTokens: number;
  hidden: number;
}

export class OnnxMemoryEncoder implements MemoryEncoder {
  constructor(
    private readonly model: OnnxModel,
    private readonly tokenizer: TextTokenizer,
    private readonly config: MemoryEncoderConfig,
  ) {}

  /** Token ids the graph sees for `text` (truncated, never empty: an empty text becomes one pad token). */
  tokenize(text: string): number[] {
    const ids = this.tokenizer.encode(text).slice(0, this.config.maxTokens);
    return ids.length > 0 ? ids : [this.config.padId];
  }

  async encode(texts: string[]): Promise<Float32Array[]> {
    const result: Float32Array[] = [];
    for (const text of texts) result.push(await this.encodeOne(this.tokenize(text)));
    return result;
  }

  private async encodeOne(ids: number[]): Promise<Float32Array> {
    const { memTokens, hidden } = this.config;
    const outputs = await this.model.run({
      input_ids: int64Tensor(ids, [1, ids.length]),
      attention_mask: int64Tensor(new Array<number>(ids.length).fill(1), [1, ids.length]),
    });
    const memory = floatOutput(this.model, outputs, 'memory');
    if (memory.length !== memTokens * hidden) {
      throw new Error(`${this.model.file}: memory has ${memory.length} values, expected 1×${memTokens}×${hidden}`);
    }
    // A copy, so that the memory owns its buffer and outlives the output tensor.
    return memory.slice();
  }
}
