"""Weight-only int8 ("w8"): int8 weights on disk, fp32 arithmetic at run time, so parity holds by construction.

`quantize_dynamic` also quantizes activations, which moves logits enough to flip greedy tokens of a small generator
(docs/MODEL.md, "Export and parity"). Here instead:
1. `snap_to_int8_grid` rounds every Linear and Embedding weight of a PyTorch module to a symmetric per-output-channel
   int8 grid (scale = max |row| / 127). The snapped module *is* the shipped model: the run exports it and parity
   compares against it.
2. `weights_to_int8` rewrites the fp32 ONNX export of that module: each 2-D weight that lies on such a grid becomes an
   int8 initializer, a per-channel scale and a DequantizeLinear node. A weight that is not on the grid stays fp32, so
   the file never computes something the snapped module does not.
onnxruntime folds DequantizeLinear of constants into fp32 weights at session start only when the session config
`session.disable_quant_qdq` is "1" (the engine and parity.py set it); otherwise its CPU provider fuses DequantizeLinear
+ MatMul into kernels that also quantize activations, which is what this format avoids."""
from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import onnx
import torch
import torch.nn as nn
from onnx import helper, numpy_helper

QMAX = 127
MIN_ELEMENTS = 4096  # smaller tensors (LayerNorm, biases, slot embeddings of a toy model) are not worth a node
ON_GRID_TOLERANCE = 1e-5  # relative to the tensor's largest entry: fp32 rounding of q * scale, not a new value


def snap_to_int8_grid(module: nn.Module) -> nn.Module:
    """A copy of `module` whose Linear and Embedding weights are q * scale, q int8 in [-127, 127], one scale per
    output row (Linear: per output feature; Embedding: per token)."""
    snapped = copy.deepcopy(module)
    with torch.no_grad():
        for sub in snapped.modules():
            if isinstance(sub, (nn.Linear, nn.Embedding)):
                w = sub.weight
                scale = w.abs().amax(dim=1, keepdim=True).clamp_min(1e-12) / QMAX
                w.copy_(torch.round(w / scale).clamp(-QMAX, QMAX) * scale)
    return snapped


def _channel_axis(uses: list[tuple[onnx.NodeProto, int]]) -> int | None:
    """The axis that holds output channels for every use of a weight, or None when its uses disagree or are not a
    weight input of MatMul / Gemm / Gather."""
    axes = set()
    for node, slot in uses:
        if node.op_type == "MatMul" and slot == 1:  # B (K, N): a Linear weight transposed, channels are columns
            axes.add(1)
        elif node.op_type == "Gemm" and slot == 1:
            trans_b = next((a.i for a in node.attribute if a.name == "transB"), 0)
            axes.add(0 if trans_b else 1)
        elif node.op_type == "Gather" and slot == 0:  # an embedding table, one row per token
            axes.add(0)
        else:
            return None
    return axes.pop() if len(axes) == 1 else None


def _on_grid(weight: np.ndarray, axis: int) -> tuple[np.ndarray, np.ndarray] | None:
    """(q int8, scale fp32 per channel) when `weight` is exactly q * scale up to fp32 rounding, else None."""
    reduce = 1 - axis
    scale = (np.maximum(np.abs(weight).max(axis=reduce, keepdims=True), 1e-12) / np.float32(QMAX)).astype(np.float32)
    q = np.clip(np.rint(weight / scale), -QMAX, QMAX).astype(np.int8)
    error = np.abs(q.astype(np.float32) * scale - weight).max()
    if error > ON_GRID_TOLERANCE * max(float(np.abs(weight).max()), 1e-12):
        return None
    return q, scale.reshape(-1)


def weights_to_int8(fp32_path: Path, out_path: Path) -> dict[str, int]:
    """Writes `out_path`: `fp32_path` with its on-grid 2-D weights stored as int8 + DequantizeLinear.
    Returns counts: converted tensors, and tensors left fp32 because they were not on the grid."""
    model = onnx.load(str(fp32_path))
    graph = model.graph
    initializers = {t.name: t for t in graph.initializer}
    uses: dict[str, list[tuple[onnx.NodeProto, int]]] = {}
    for node in graph.node:
        for slot, name in enumerate(node.input):
            if name in initializers:
                uses.setdefault(name, []).append((node, slot))
    dequantize_nodes, counts = [], {"converted": 0, "off_grid": 0}
    for name, tensor_uses in uses.items():
        weight = numpy_helper.to_array(initializers[name])
        if weight.dtype != np.float32 or weight.ndim != 2 or weight.size < MIN_ELEMENTS:
            continue
        axis = _channel_axis(tensor_uses)
        if axis is None:
            continue
        grid = _on_grid(weight, axis)
        if grid is None:
            counts["off_grid"] += 1
            continue
        q, scale = grid
        graph.initializer.remove(initializers[name])
        graph.initializer.extend([numpy_helper.from_array(q, f"{name}.int8"),
                                  numpy_helper.from_array(scale, f"{name}.scale"),
                                  numpy_helper.from_array(np.zeros(scale.size, np.int8), f"{name}.zero_point")])
        dequantize_nodes.append(helper.make_node("DequantizeLinear", [f"{name}.int8", f"{name}.scale",
                                                                     f"{name}.zero_point"], [name], axis=axis,
                                                 name=f"{name}.dequantize"))
        counts["converted"] += 1
    for node in reversed(dequantize_nodes):
        graph.node.insert(0, node)
    onnx.checker.check_model(model)
    onnx.save(model, str(out_path))
    return counts
