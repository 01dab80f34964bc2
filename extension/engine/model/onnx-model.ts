/**
 * The small interface the rest of the model runtime uses for one ONNX graph. Only onnx-runtime.ts knows how it is
 * served (onnxruntime-node); encoders and the generator see plain typed arrays and shapes.
 */
export type TensorData =
  | { type: 'float32'; data: Float32Array; dims: readonly number[] }
  | { type: 'int64'; data: BigInt64Array; dims: readonly number[] };

export interface OnnxModel {
  /** The file the session was created from (for error messages). */
  readonly file: string;
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /** 'cuda' or 'cpu': where this session runs. */
  readonly executionProvider: 'cuda' | 'cpu';
  run(feeds: Record<string, TensorData>): Promise<Record<string, TensorData>>;
  release(): Promise<void>;
}

export function int64Tensor(values: ArrayLike<number>, dims: readonly number[]): TensorData {
  const data = new BigInt64Array(values.length);
  for (let i = 0; i < values.length; i++) data[i] = BigInt(values[i]);
  return { type: 'int64', data, dims };
}

export function float32Tensor(data: Float32Array, dims: readonly number[]): TensorData {
  return { type: 'float32', data, dims };
}

/** The float32 output `name`, or an error naming the graph when it is missing or of another type. */
export function floatOutput(model: OnnxModel, outputs: Record<string, TensorData>, name: string): Float32Array {
  const t = outputs[name];
  if (!t) throw new Error(`${model.file}: the graph produced no output named '${name}'`);
  if (t.type !== 'float32') throw new Error(`${model.file}: output '${name}' is ${t.type}, expected float32`);
  return t.data;
}

/** The requested execution provider cannot run here (not a fault of the bundle's files). */
export class ExecutionProviderError extends Error {
  override readonly name = 'ExecutionProviderError';
}
