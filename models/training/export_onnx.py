"""ONNX export under the bundle contract (docs/BUNDLE.md): compressor.onnx, query.onnx, generator.onnx (one file
with KV cache), opset 17, dynamic batch/sequence axes, constant-folded; then int8 two ways: `quantize_dynamic`
(int8 weights and activations) and weight-only int8 of the snapped module (weight_int8.py)."""
from __future__ import annotations

import os
from pathlib import Path

import onnx
import torch
import torch.nn as nn
from onnxruntime.quantization import QuantType, quantize_dynamic

from .model import Generator, MemoryEncoder
from .weight_int8 import snap_to_int8_grid, weights_to_int8

OPSET = 17


class _EncoderGraph(nn.Module):
    def __init__(self, enc: MemoryEncoder):
        super().__init__()
        self.enc = enc

    def forward(self, input_ids, attention_mask):
        return self.enc(input_ids, attention_mask)


class _GeneratorGraph(nn.Module):
    """Flat signature: memory, input_ids, past_key_values.{i}.key/value... -> logits, present.{i}.key/value..."""

    def __init__(self, gen: Generator):
        super().__init__()
        self.gen = gen

    def forward(self, memory, input_ids, *past_flat):
        past = [(past_flat[2 * i], past_flat[2 * i + 1]) for i in range(self.gen.layers)]
        logits, present = self.gen(memory, input_ids, past)
        out = [logits]
        for k, v in present:
            out += [k, v]
        return tuple(out)


def export_encoder(enc: MemoryEncoder, path: Path, max_tokens: int) -> None:
    enc = enc.eval().float()
    ids = torch.randint(3, 100, (2, min(12, max_tokens)))
    mask = torch.ones_like(ids)
    mask[1, 8:] = 0
    axes = {"input_ids": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"},
            "memory": {0: "batch"}}
    torch.onnx.export(_EncoderGraph(enc), (ids, mask), str(path), input_names=["input_ids", "attention_mask"],
                      output_names=["memory"], dynamic_axes=axes, opset_version=OPSET, do_constant_folding=True,
                      dynamo=False)


def generator_io_names(layers: int) -> tuple[list[str], list[str]]:
    ins = ["memory", "input_ids"]
    outs = ["logits"]
    for i in range(layers):
        ins += [f"past_key_values.{i}.key", f"past_key_values.{i}.value"]
        outs += [f"present.{i}.key", f"present.{i}.value"]
    return ins, outs


def export_generator(gen: Generator, path: Path, enc_dim: int) -> None:
    gen = gen.eval().float()
    L = gen.mem_tokens
    memory = torch.randn(1, 2 * L, enc_dim)
    ids = torch.randint(3, 100, (1, 3))
    past = []
    for _ in range(gen.layers):
        past += [torch.randn(1, gen.heads, 2, gen.head_dim), torch.randn(1, gen.heads, 2, gen.head_dim)]
    ins, outs = generator_io_names(gen.layers)
    axes = {"memory": {0: "batch", 1: "mem"}, "input_ids": {0: "batch", 1: "seq"}, "logits": {0: "batch", 1: "seq"}}
    for n in ins[2:]:
        axes[n] = {0: "batch", 2: "past"}
    for n in outs[1:]:
        axes[n] = {0: "batch", 2: "total"}
    torch.onnx.export(_GeneratorGraph(gen), (memory, ids, *past), str(path), input_names=ins, output_names=outs,
                      dynamic_axes=axes, opset_version=OPSET, do_constant_folding=True, dynamo=False)


def quantize(fp32: Path, int8: Path, per_channel: bool = False) -> None:
    quantize_dynamic(str(fp32), str(int8), weight_type=QuantType.QInt8, per_channel=per_channel)
    onnx.checker.check_model(str(int8))


def export_all(models, cfg, out_dir: Path) -> tuple[dict[str, Path], dict[str, nn.Module]]:
    """Writes <name>.fp32.onnx, <name>.int8.onnx and <name>.w8.onnx into out_dir; the caller picks per file by
    parity. Returns the paths by "<name>.<precision>" and the snapped modules the .w8 files were exported from (the
    PyTorch reference of a .w8 file)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths, snapped = {}, {}
    exporters = {"compressor": lambda mod, p: export_encoder(mod, p, cfg.model.doc_max_tokens),
                 "query": lambda mod, p: export_encoder(mod, p, cfg.model.query_max_tokens),
                 "generator": lambda mod, p: export_generator(mod, p, cfg.model.enc_dim)}
    for name, export in exporters.items():
        module = getattr(models, name)
        fp32 = out_dir / f"{name}.fp32.onnx"
        export(module, fp32)
        onnx.checker.check_model(str(fp32))
        int8 = out_dir / f"{name}.int8.onnx"
        quantize(fp32, int8)
        paths[name + ".fp32"], paths[name + ".int8"] = fp32, int8
        if name == "generator":  # per-channel scales: closer logits, for when per-tensor int8 flips a greedy token
            pc = out_dir / f"{name}.int8pc.onnx"
            quantize(fp32, pc, per_channel=True)
            paths[name + ".int8pc"] = pc
        snapped[name] = snap_to_int8_grid(module)
        snapped_fp32 = out_dir / f"{name}.snapped.fp32.onnx"
        export(snapped[name], snapped_fp32)
        paths[name + ".w8"] = out_dir / f"{name}.w8.onnx"
        weights_to_int8(snapped_fp32, paths[name + ".w8"])
    return paths, snapped


def file_mib(p: Path) -> float:
    return os.path.getsize(p) / 2**20
