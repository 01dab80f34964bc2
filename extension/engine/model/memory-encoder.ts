/**
 * compressor.onnx / query.onnx as a MemoryEncoder: formatted texts → one un-normalised flat L·d memory each.
 * Texts are tokenised, truncated to the graph's token budget and, when batched, grouped by length and right-padded
 * with pad_id (attention_mask 0 on padding), so that a batch of short chunks does not pay for the longest one.
 *
 * One text per session run by default. The int8 graphs quantise activations dynamically, with one scale per input
 * tensor, so a batched text's memory depends on the other texts of its batch: a resumed or incremental index then
 * differs slightly from a fresh one (cosine ≥ 0.99998, entries up to ~2% apart). Alone, a text's memory is a
 * function of the text only (bitwise identical in any order), and on 2 CPU cores batching bought nothing measurable
 * (tiny bundle, 768 chunks: 565–759 chunks/s alone vs 643–724 in batches of 16, docs/RELIABILITY.md).
 */
import type { MemoryEncoder, TextTokenizer } from '../engine-parts';
import { floatOutput, int64Tensor, type OnnxModel } from './onnx-model';

export interface MemoryEncoderConfig {
  maxTokens: number;
  padId: number;
  memTokens: number;
  hidden: number;
  /** Texts per session run (default 1: memories independent of their neighbours, see above). */
  batchSize?: number;
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
    const tokenized = texts.map((t) => this.tokenize(t));
    const order = tokenized.map((_, i) => i).sort((a, b) => tokenized[a].length - tokenized[b].length);
    const result: Float32Array[] = new Array(texts.length);
    const batchSize = Math.max(1, this.config.batchSize ?? 1);
    for (let start = 0; start < order.length; start += batchSize) {
      const batch = order.slice(start, start + batchSize);
      const memories = await this.encodeBatch(batch.map((i) => tokenized[i]));
      batch.forEach((i, j) => { result[i] = memories[j]; });
    }
    return result;
  }

  private async encodeBatch(rows: number[][]): Promise<Float32Array[]> {
    const { padId, memTokens, hidden } = this.config;
    const width = Math.max(...rows.map((r) => r.length));
    const ids = new Array<number>(rows.length * width).fill(padId);
    const mask = new Array<number>(rows.length * width).fill(0);
    rows.forEach((row, b) => row.forEach((id, t) => { ids[b * width + t] = id; mask[b * width + t] = 1; }));
    const outputs = await this.model.run({
      input_ids: int64Tensor(ids, [rows.length, width]),
      attention_mask: int64Tensor(mask, [rows.length, width]),
    });
    const memory = floatOutput(this.model, outputs, 'memory');
    const size = memTokens * hidden;
    if (memory.length !== rows.length * size) {
      throw new Error(`${this.model.file}: memory has ${memory.length} values, expected ${rows.length}×${memTokens}×${hidden}`);
    }
    // Copies, so that each memory owns its buffer and outlives the output tensor.
    return rows.map((_, b) => memory.slice(b * size, (b + 1) * size));
  }
}
