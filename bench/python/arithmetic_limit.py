"""The arithmetic limit of indexing: the compressor's FLOPs per chunk against a matmul peak measured here, now.

- FLOPs: every MatMul / Gemm / MatMulInteger of compressor.onnx is made a graph output (with its inputs), one
  chunk of doc_max_tokens tokens is run through onnxruntime, and 2·M·N·K is summed from the shapes actually seen.
  Attention and projections are counted; element-wise ops are not (they are a few percent).
- Peak: onnxruntime (the same MLAS kernels onnxruntime-node uses) on a large square MatMul, fp32 and int8
  (MatMulInteger), with THREADS intra-op threads, best of several runs.

usage: python bench/python/arithmetic_limit.py COMPRESSOR.onnx DOC_MAX_TOKENS [THREADS]
prints one JSON object.
"""
import json
import sys
import time

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper

MATMUL_OPS = ('MatMul', 'Gemm', 'MatMulInteger', 'FusedMatMul')


def session(model_bytes: bytes, threads: int) -> ort.InferenceSession:
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    # No graph fusion: the counting needs the original MatMul nodes to stay visible.
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    return ort.InferenceSession(model_bytes, so, providers=['CPUExecutionProvider'])


def compressor_flops(path: str, tokens: int, threads: int) -> dict:
    model = onnx.load(path)
    graph = model.graph
    inits = {i.name: list(i.dims) for i in graph.initializer}
    wanted = []
    for node in graph.node:
        if node.op_type in MATMUL_OPS:
            wanted += [n for n in list(node.input[:2]) + [node.output[0]] if n and n not in inits]
    existing = {o.name for o in graph.output}
    for name in dict.fromkeys(wanted):
        if name not in existing:
            graph.output.append(helper.make_empty_tensor_value_info(name))
    sess = session(model.SerializeToString(), threads)
    feeds = {}
    for i in sess.get_inputs():
        feeds[i.name] = (np.full((1, tokens), 5, dtype=np.int64) if i.name == 'input_ids'
                         else np.ones((1, tokens), dtype=np.int64))
    names = [o.name for o in sess.get_outputs()]
    shapes = {n: v.shape for n, v in zip(names, sess.run(names, feeds))}
    shape = lambda n: list(shapes[n]) if n in shapes else inits[n]
    total, per_op = 0, {}
    for node in graph.node:
        if node.op_type not in MATMUL_OPS:
            continue
        a, out = shape(node.input[0]), shape(node.output[0])
        k = a[-1]
        if node.op_type == 'Gemm':
            trans_a = next((at.i for at in node.attribute if at.name == 'transA'), 0)
            k = a[0] if trans_a else a[-1]
        flops = 2 * int(np.prod(out)) * int(k)
        total += flops
        per_op[node.op_type] = per_op.get(node.op_type, 0) + flops
    return {'flops_per_chunk': total, 'by_op': per_op, 'tokens': tokens}


def matmul_peak(n: int, int8: bool, threads: int, repeats: int = 5) -> float:
    if int8:
        node = helper.make_node('MatMulInteger', ['A', 'B'], ['C'])
        inputs = [helper.make_tensor_value_info('A', TensorProto.UINT8, [n, n]),
                  helper.make_tensor_value_info('B', TensorProto.INT8, [n, n])]
        out = helper.make_tensor_value_info('C', TensorProto.INT32, [n, n])
        feeds = {'A': np.random.randint(0, 255, (n, n), dtype=np.uint8),
                 'B': np.random.randint(-127, 127, (n, n), dtype=np.int8)}
    else:
        node = helper.make_node('MatMul', ['A', 'B'], ['C'])
        inputs = [helper.make_tensor_value_info(x, TensorProto.FLOAT, [n, n]) for x in 'AB']
        out = helper.make_tensor_value_info('C', TensorProto.FLOAT, [n, n])
        feeds = {x: np.random.rand(n, n).astype(np.float32) for x in 'AB'}
    model = helper.make_model(helper.make_graph([node], 'peak', inputs, [out]),
                              opset_imports=[helper.make_opsetid('', 17)], ir_version=10)
    sess = session(model.SerializeToString(), threads)
    sess.run(None, feeds)  # warm-up
    best = float('inf')
    for _ in range(repeats):
        t0 = time.perf_counter()
        sess.run(None, feeds)
        best = min(best, time.perf_counter() - t0)
    return 2 * n ** 3 / best


def main() -> None:
    path, tokens = sys.argv[1], int(sys.argv[2])
    threads = int(sys.argv[3]) if len(sys.argv) > 3 else 2
    out = compressor_flops(path, tokens, threads)
    out['threads'] = threads
    out['peak_fp32_flops'] = matmul_peak(1536, False, threads)
    out['peak_int8_ops'] = matmul_peak(1536, True, threads)
    print(json.dumps(out))


if __name__ == '__main__':
    main()
