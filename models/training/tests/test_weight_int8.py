"""Weight-only int8: snapping puts weights on a per-channel int8 grid, the ONNX rewrite stores exactly those weights
as int8, and onnxruntime (opened as the engine opens it) then computes what the snapped PyTorch module computes."""
import numpy as np
import onnx
import torch
import torch.nn as nn
from onnx import numpy_helper

from models.training.export_onnx import export_encoder, export_generator
from models.training.model import Generator, MemoryEncoder
from models.training.parity import ort_greedy, ort_memory, session, torch_greedy
from models.training.run import precision_tries
from models.training.weight_int8 import snap_to_int8_grid, weights_to_int8


def _int8_initializers(path):
    return {t.name: numpy_helper.to_array(t) for t in onnx.load(str(path)).graph.initializer
            if t.data_type == onnx.TensorProto.INT8 and t.name.endswith(".int8")}


def test_snapping_rounds_each_row_to_int8_steps_and_leaves_the_original_alone():
    torch.manual_seed(0)
    lin = nn.Linear(16, 8)
    before = lin.weight.detach().clone()
    snapped = snap_to_int8_grid(lin)
    assert torch.equal(lin.weight, before)
    w = snapped.weight.detach()
    scale = before.abs().amax(dim=1, keepdim=True) / 127
    steps = w / scale
    assert torch.allclose(steps, steps.round(), atol=1e-4)
    assert steps.abs().max() <= 127 + 1e-4
    assert (w - before).abs().max() <= scale.max() / 2 + 1e-7
    assert torch.equal(snapped.bias, lin.bias)  # biases stay fp32


def test_encoder_and_generator_run_in_onnxruntime_as_the_snapped_module(tmp_path):
    torch.manual_seed(1)
    enc = snap_to_int8_grid(MemoryEncoder(500, 32, 2, 4, 64, 4)).eval()
    gen = snap_to_int8_grid(Generator(500, 32, 2, 4, 32, 4, 5, 128)).eval()
    export_encoder(enc, tmp_path / "c.fp32.onnx", 64)
    export_generator(gen, tmp_path / "g.fp32.onnx", 32)
    enc_counts = weights_to_int8(tmp_path / "c.fp32.onnx", tmp_path / "c.w8.onnx")
    gen_counts = weights_to_int8(tmp_path / "g.fp32.onnx", tmp_path / "g.w8.onnx")
    assert enc_counts["converted"] >= 1 and gen_counts["converted"] >= 2 and enc_counts["off_grid"] == 0
    assert gen_counts["off_grid"] == 0
    # the embedding table (Gather, one scale per token) and the vocabulary head (MatMul, one per output column)
    stored = _int8_initializers(tmp_path / "g.w8.onnx")
    assert any(q.shape == (500, 32) for q in stored.values()) and any(q.shape == (32, 500) for q in stored.values())
    assert (tmp_path / "g.w8.onnx").stat().st_size < 0.6 * (tmp_path / "g.fp32.onnx").stat().st_size

    docs = [[5, 6, 7, 8, 9], [10, 11, 12]]
    got = ort_memory(session(tmp_path / "c.w8.onnx"), docs)
    for i, d in enumerate(docs):
        ref = enc(torch.tensor([d]), torch.ones(1, len(d), dtype=torch.long))[0].detach().numpy()
        np.testing.assert_allclose(got[i][: len(ref)], ref, atol=1e-5)
    memory = enc(torch.tensor([docs[0]]), torch.ones(1, 5, dtype=torch.long)).detach()
    prompt = [1, 40, 41, 42]
    assert ort_greedy(session(tmp_path / "g.w8.onnx"), memory.numpy(), prompt, 2, 4, 8) == torch_greedy(gen, memory,
                                                                                                         prompt)


def test_a_weight_off_the_grid_stays_fp32(tmp_path):
    torch.manual_seed(2)
    gen = Generator(500, 32, 2, 4, 32, 4, 5, 128).eval()
    export_generator(snap_to_int8_grid(gen), tmp_path / "snapped.onnx", 32)
    snapped = weights_to_int8(tmp_path / "snapped.onnx", tmp_path / "snapped.w8.onnx")
    export_generator(gen, tmp_path / "g.fp32.onnx", 32)  # trained weights, never snapped
    assert weights_to_int8(tmp_path / "g.fp32.onnx", tmp_path / "g.w8.onnx") == {"converted": 0,
                                                                                 "off_grid": snapped["converted"]}
    assert not _int8_initializers(tmp_path / "g.w8.onnx")


def test_precision_tries_prefer_int8_files_and_end_all_fp32():
    tries = precision_tries()
    assert len(tries) == 3 * 3 * 4 and len({tuple(t.values()) for t in tries}) == len(tries)
    assert tries[0] == {"compressor": "int8", "query": "int8", "generator": "int8"}
    assert tries[-1] == {"compressor": "fp32", "query": "fp32", "generator": "fp32"}
    fp32_counts = [sum(q == "fp32" for q in t.values()) for t in tries]
    assert fp32_counts == sorted(fp32_counts)
    # every all-int8-weights combination (dynamic or weight-only) is tried before any combination with an fp32 file
    last_int8_only = max(i for i, t in enumerate(tries) if "fp32" not in t.values())
    first_with_fp32 = min(i for i, t in enumerate(tries) if "fp32" in t.values())
    assert last_int8_only < first_with_fp32
    assert tries[last_int8_only] == {"compressor": "w8", "query": "w8", "generator": "w8"}
    # among int8 files, activation-quantised int8 (faster on CPU) before weight-only, file by file
    position = {tuple(t.values()): i for i, t in enumerate(tries)}
    assert position[("int8", "int8", "w8")] < position[("w8", "int8", "w8")] < position[("w8", "w8", "w8")]
