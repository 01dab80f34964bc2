/**
 * The model bundle contract (docs/BUNDLE.md): what models/<bundle>/manifest.json holds.
 * Written by models/training/export_bundle.py, read by the engine's bundle loader.
 */
export const BUNDLE_FORMAT = 'clara-bundle/1';

export interface BundleManifest {
  /** Always BUNDLE_FORMAT; any other value is refused with a clear message. */
  format: string;
  name: string;
  /** Changing it invalidates every stored memory (the index is rebuilt). */
  version: string;
  /** 'tiny' | 'small' | 'base' | another training config name. */
  config: string;
  doc_max_tokens: number;
  query_max_tokens: number;
  compression_rate: number;
  /** L: memory vectors per chunk (= doc_max_tokens / compression_rate). */
  mem_tokens: number;
  /** d: width of one memory vector. */
  hidden: number;
  /** How a chunk is turned into compressor input text; placeholders {path} and {code}. */
  doc_template: string;
  retrieval: {
    metric: 'cosine-flat';
    /** Best-score threshold under which an answer abstains (calibrated on held-out data). */
    abstain_below: number;
    /**
     * Weights of the memory and lexical rankings in reciprocal-rank fusion, measured on the training run's held-out
     * questions (`npm run calibrate`, docs/BUNDLE.md). Absent: equal weights.
     */
    fusion?: FusionWeights;
  };
  special_tokens: { pad: string; bos: string; eos: string };
  pad_id: number;
  bos_id: number;
  eos_id: number;
  generator: {
    layers: number;
    heads: number;
    head_dim: number;
    /** Most memory blocks (k) the generator was trained to read. */
    max_blocks: number;
    max_new_tokens: number;
    /** Longest memory + prompt + answer sequence the generator's positions cover. */
    max_context: number;
    /** Placeholder {question}; tokenised without added special tokens. */
    prompt_template: string;
  };
  files: {
    tokenizer: string;
    tokenizer_config: string;
    compressor: string;
    query: string;
    generator: string;
  };
  /** sha256 (hex) of every file in `files`, checked on load. */
  sha256: Record<string, string>;
  training: Record<string, unknown>;
  evaluation: Record<string, unknown>;
}

/** Reciprocal-rank fusion weights: each list adds weight / (k + rank) to the chunks it ranks. */
export interface FusionWeights {
  memory_weight: number;
  lexical_weight: number;
}
