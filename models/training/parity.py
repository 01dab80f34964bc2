"""PyTorch (fp32) vs onnxruntime (Python) parity on the exported files, and parity.json for the node replay:
memories must agree to cosine >= 0.999 and greedy decoding (KV cache) must give identical tokens."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnxruntime as ort
import torch
from tokenizers import Tokenizer

from . import bpe
from .batches import EOS, doc_tensors, prompt_ids
from .config import TrainConfig

COS_MIN = 0.999
MAX_NEW = 24

TOKENIZER_CASES = [
    "def add(a, b):\n    return a + b\n",
    "class Greeter:\n\tdef hi(self):\n\t\treturn 'héllo wörld'\n",
    "line one\r\nline two\r\n\tindented after CRLF\r\n",
    "const π = 3.14159; // ünïcödé identifiers\n",
    "print('日本語のテキスト と 中文字符')  # CJK\n",
    "emoji = '🚀✨🐍' + \"👩‍💻\"\n",
    "func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {}\n",
    "   leading spaces,\ttabs\t\tand trailing spaces   \n",
    "x = {\"key\": [1, 2.5e-3, None, True]}\n",
    "// Ω≈ç√∫˜µ≤≥÷ math symbols\nlet ß = 'straße';\n",
    "SELECT * FROM users WHERE name = 'Ærøskøbing';\n",
    "<s>question: What does `parse` return?\nanswer:",
    "",
    "\n\n\n",
    "Кириллица и العربية mixed with code(x)\n",
]


def _cos(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a.ravel().astype(np.float64), b.ravel().astype(np.float64)
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b) + 1e-12))


def _r6(xs) -> list[float]:
    return [float(f"{x:.6g}") for x in np.asarray(xs, dtype=np.float64).ravel()]


def session(path: Path) -> ort.InferenceSession:
    """Opened as the engine opens it (extension/engine/model/onnx-runtime.ts): weight-only int8 is folded to fp32
    weights at session start (weight_int8.py)."""
    so = ort.SessionOptions()
    so.intra_op_num_threads = 2
    so.add_session_config_entry("session.disable_quant_qdq", "1")
    return ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])


def ort_memory(sess: ort.InferenceSession, ids_list: list[list[int]]) -> np.ndarray:
    ids, mask = doc_tensors(ids_list)
    return sess.run(["memory"], {"input_ids": ids.numpy(), "attention_mask": mask.numpy()})[0]


def ort_greedy(sess: ort.InferenceSession, memory: np.ndarray, prompt: list[int], layers: int, heads: int,
               head_dim: int, max_new: int = MAX_NEW) -> list[int]:
    feeds = {"memory": memory.astype(np.float32), "input_ids": np.array([prompt], dtype=np.int64)}
    for i in range(layers):
        for kv in ("key", "value"):
            feeds[f"past_key_values.{i}.{kv}"] = np.zeros((1, heads, 0, head_dim), np.float32)
    out_ids: list[int] = []
    for _ in range(max_new):
        outs = sess.run(None, feeds)
        nxt = int(outs[0][0, -1].argmax())
        if nxt == EOS:
            break
        out_ids.append(nxt)
        feeds = {"memory": np.zeros((1, 0, memory.shape[-1]), np.float32),
                 "input_ids": np.array([[nxt]], dtype=np.int64)}
        for i in range(layers):
            feeds[f"past_key_values.{i}.key"] = outs[1 + 2 * i]
            feeds[f"past_key_values.{i}.value"] = outs[2 + 2 * i]
    return out_ids


@torch.no_grad()
def torch_greedy(gen, memory: torch.Tensor, prompt: list[int], max_new: int = MAX_NEW) -> list[int]:
    gen.eval()
    logits, past = gen(memory, torch.tensor([prompt]))
    out_ids: list[int] = []
    empty = torch.zeros(1, 0, memory.shape[-1])
    for _ in range(max_new):
        nxt = int(logits[0, -1].argmax())
        if nxt == EOS:
            break
        out_ids.append(nxt)
        logits, past = gen(empty, torch.tensor([[nxt]]), past)
    return out_ids


def build_parity(models, tok: Tokenizer, cfg: TrainConfig, files: dict[str, Path], doc_cases: list[str],
                 query_cases: list[str], gen_cases: list[tuple[list[str], str]]) -> tuple[dict, dict]:
    """Returns (parity.json content, measured report). `files` maps compressor/query/generator to ONNX paths."""
    m = cfg.model
    comp_s, query_s, gen_s = session(files["compressor"]), session(files["query"]), session(files["generator"])
    report: dict = {"memory_cosine_min": {}, "greedy_identical": 0, "greedy_cases": len(gen_cases)}
    parity: dict = {"tokenizer": [{"text": t, "ids": bpe.encode(tok, t)} for t in TOKENIZER_CASES]}
    for key, enc, sess, texts, limit in (("compressor", models.compressor, comp_s, doc_cases, m.doc_max_tokens),
                                         ("query", models.query, query_s, query_cases, m.query_max_tokens)):
        rows, worst = [], 1.0
        ids_list = [bpe.encode(tok, t, limit) for t in texts]
        with torch.no_grad():
            ids, mask = doc_tensors(ids_list)
            ref = enc.eval()(ids, mask).numpy()
        # one text per run too, unpadded, as the engine may send it
        for i, t in enumerate(texts):
            got = ort_memory(sess, [ids_list[i]])[0]
            worst = min(worst, _cos(got, ref[i]))
            rows.append({"text": t, "memory": _r6(ref[i])})
        batched = ort_memory(sess, ids_list)
        worst = min(worst, min(_cos(batched[i], ref[i]) for i in range(len(texts))))
        parity[key] = rows
        report["memory_cosine_min"][key] = round(worst, 6)
    rows = []
    for doc_texts, question in gen_cases:
        ids_list = [bpe.encode(tok, t, m.doc_max_tokens) for t in doc_texts]
        prompt = prompt_ids(tok, cfg, question)
        # one document per run, as the engine compresses them (memory-encoder.ts: memories independent of the batch)
        mem_onnx = np.concatenate([ort_memory(comp_s, [d]) for d in ids_list]).reshape(1, -1, m.enc_dim)
        with torch.no_grad():
            ids, mask = doc_tensors(ids_list)
            mem_torch = models.compressor.eval()(ids, mask).reshape(1, -1, m.enc_dim)
        g_onnx = ort_greedy(gen_s, mem_onnx, prompt, m.gen_layers, m.gen_heads, m.gen_dim // m.gen_heads)
        g_torch = torch_greedy(models.generator, mem_torch, prompt)
        report["greedy_identical"] += g_onnx == g_torch
        rows.append({"doc_texts": doc_texts, "question": question, "greedy_ids": g_onnx, "torch_greedy_ids": g_torch})
    parity["generator"] = rows
    return parity, report


def snapping_effect(trained, snapped, tok: Tokenizer, cfg: TrainConfig, doc_cases: list[str],
                    query_cases: list[str], gen_cases: list[tuple[list[str], str]]) -> dict:
    """What rounding weights to the int8 grid changed, in PyTorch: memory cosine (trained vs snapped) and greedy
    decodes identical to the trained generator's, on the parity cases. `trained`/`snapped`: Models."""
    m = cfg.model
    out: dict = {"memory_cosine_min": {}, "greedy_identical": 0, "greedy_cases": len(gen_cases)}
    with torch.no_grad():
        for key, texts, limit in (("compressor", doc_cases, m.doc_max_tokens),
                                  ("query", query_cases, m.query_max_tokens)):
            ids, mask = doc_tensors([bpe.encode(tok, t, limit) for t in texts])
            a, b = getattr(trained, key).eval()(ids, mask).numpy(), getattr(snapped, key).eval()(ids, mask).numpy()
            out["memory_cosine_min"][key] = round(min(_cos(a[i], b[i]) for i in range(len(texts))), 6)
        for doc_texts, question in gen_cases:
            ids, mask = doc_tensors([bpe.encode(tok, t, m.doc_max_tokens) for t in doc_texts])
            prompt = prompt_ids(tok, cfg, question)
            decodes = [torch_greedy(ms.generator.eval(), ms.compressor.eval()(ids, mask).reshape(1, -1, m.enc_dim),
                                    prompt) for ms in (trained, snapped)]
            out["greedy_identical"] += decodes[0] == decodes[1]
    return out


def write_parity(parity: dict, path: Path) -> None:
    path.write_text(json.dumps(parity, ensure_ascii=False, separators=(",", ":")) + "\n")
