/**
 * generator.onnx as an AnswerGenerator: one prefill run with the k memory blocks and the prompt, then one token per
 * run with the previous run's present key/values as the past (docs/BUNDLE.md, "ONNX signatures"). Greedy decoding,
 * or the caller's DecodingRule (answering grounds backticked spans with one: answer/grounded-spans.ts); stops at eos, at max_new_tokens or when the caller aborts; streams text deltas that never split a character.
 */
import type { AnswerGenerator, DecodingRule, GenerateOptions, GenerateResult, TextTokenizer } from '../engine-parts';
import { TokenTextStream } from './bundle-tokenizer';
import { float32Tensor, floatOutput, int64Tensor, type OnnxModel, type TensorData } from './onnx-model';

export interface GeneratorConfig {
  layers: number;
  heads: number;
  headDim: number;
  memTokens: number;
  hidden: number;
  maxBlocks: number;
  maxNewTokens: number;
  maxContext: number;
  queryMaxTokens: number;
  promptTemplate: string;
  eosId: number;
}

export interface GenerateIdsOptions {
  maxNewTokens?: number;
  signal?: AbortSignal;
  /** Called with each new token id (never eos) as soon as it is chosen. */
  onId?: (id: number) => void;
  /** How each token is chosen; greedy argmax without one (as parity.json records it). */
  rule?: DecodingRule;
}

export interface GenerateIdsResult {
  ids: number[];
  firstTokenMs: number;
  stoppedBy: 'eos' | 'length' | 'abort';
}

export class KvCacheGenerator implements AnswerGenerator {
  constructor(
    private readonly model: OnnxModel,
    private readonly tokenizer: TextTokenizer,
    private readonly config: GeneratorConfig,
  ) {}

  /**
   * The prompt's ids for `question`: the question is cut to query_max_tokens (and further if memory + prompt +
   * answer would pass max_context), then the whole template is tokenised at once, as in training.
   */
  promptIds(question: string, blocks: number): number[] {
    const { promptTemplate, queryMaxTokens, maxContext, memTokens, maxNewTokens } = this.config;
    const format = (q: string) => this.tokenizer.encode(promptTemplate.replace('{question}', q));
    const questionIds = this.tokenizer.encode(question);
    const templateTokens = format('').length;
    const room = maxContext - blocks * memTokens - maxNewTokens - templateTokens;
    const budget = Math.max(1, Math.min(queryMaxTokens, room));
    if (questionIds.length <= budget) return format(question);
    return format(this.tokenizer.decode(questionIds.slice(0, budget)));
  }

  async generate(memories: Float32Array[], question: string, options: GenerateOptions = {}): Promise<GenerateResult> {
    const blocks = memories.slice(0, this.config.maxBlocks);
    const stream = new TokenTextStream(this.tokenizer);
    const emit = (delta: string) => { if (delta) options.onToken?.(delta); };
    const result = await this.generateIds(blocks, this.promptIds(question, blocks.length), {
      maxNewTokens: options.maxNewTokens,
      signal: options.signal,
      rule: options.rule,
      onId: (id) => emit(stream.push(id)),
    });
    emit(stream.flush());
    return { text: stream.text, tokens: result.ids.length, firstTokenMs: result.firstTokenMs, stoppedBy: result.stoppedBy };
  }

  /** Greedy ids after the prompt, eos not included (as parity.json records them). The parity test compares these with PyTorch. */
  async generateIds(memories: Float32Array[], promptIds: number[], options: GenerateIdsOptions = {}): Promise<GenerateIdsResult> {
    const { layers, heads, headDim, hidden, memTokens, eosId } = this.config;
    const maxNew = Math.min(options.maxNewTokens ?? this.config.maxNewTokens, this.config.maxNewTokens);
    const started = performance.now();
    const ids: number[] = [];
    let firstTokenMs = 0;
    if (options.signal?.aborted) return { ids, firstTokenMs, stoppedBy: 'abort' };
    for (const m of memories) {
      if (m.length !== memTokens * hidden) throw new Error(`a memory block has ${m.length} values, expected ${memTokens}×${hidden}`);
    }

    const memory = new Float32Array(memories.length * memTokens * hidden);
    memories.forEach((m, i) => memory.set(m, i * memTokens * hidden));
    let past: Record<string, TensorData> = {};
    for (let i = 0; i < layers; i++) {
      past[`past_key_values.${i}.key`] = float32Tensor(new Float32Array(0), [1, heads, 0, headDim]);
      past[`past_key_values.${i}.value`] = float32Tensor(new Float32Array(0), [1, heads, 0, headDim]);
    }
    let feedMemory = float32Tensor(memory, [1, memories.length * memTokens, hidden]);
    let input = promptIds;
    const noMemory = float32Tensor(new Float32Array(0), [1, 0, hidden]);

    while (ids.length < maxNew) {
      const outputs = await this.model.run({ memory: feedMemory, input_ids: int64Tensor(input, [1, input.length]), ...past });
      const row = lastRow(floatOutput(this.model, outputs, 'logits'), input.length);
      const next = options.rule ? options.rule.pick(row, ids, ids.length + 1 >= maxNew, maxNew - ids.length - 1) : argmax(row);
      if (ids.length === 0) firstTokenMs = performance.now() - started;
      if (next === eosId) return { ids, firstTokenMs, stoppedBy: 'eos' };
      ids.push(next);
      options.onId?.(next);
      // Checked after the step so that an abort during a run still keeps the token that run produced.
      if (options.signal?.aborted) return { ids, firstTokenMs, stoppedBy: 'abort' };
      past = {};
      for (let i = 0; i < layers; i++) {
        past[`past_key_values.${i}.key`] = requireOutput(this.model, outputs, `present.${i}.key`);
        past[`past_key_values.${i}.value`] = requireOutput(this.model, outputs, `present.${i}.value`);
      }
      feedMemory = noMemory;
      input = [next];
    }
    return { ids, firstTokenMs, stoppedBy: 'length' };
  }
}

function requireOutput(model: OnnxModel, outputs: Record<string, TensorData>, name: string): TensorData {
  const t = outputs[name];
  if (!t) throw new Error(`${model.file}: the graph produced no output named '${name}'`);
  return t;
}

/** The logits of the last of `rows` positions (logits is [1, rows, vocab]). */
function lastRow(logits: Float32Array, rows: number): Float32Array {
  const vocab = logits.length / rows;
  return logits.subarray((rows - 1) * vocab, rows * vocab);
}

function argmax(row: Float32Array): number {
  let best = 0;
  let bestValue = -Infinity;
  for (let v = 0; v < row.length; v++) {
    if (row[v] > bestValue) { bestValue = row[v]; best = v; }
  }
  return best;
}
