"""Writes models/<bundle>/: manifest.json (extension/engine/model/bundle-manifest.ts), tokenizer files, ONNX files,
parity.json and MODEL_CARD.md."""
from __future__ import annotations

import hashlib
import json
import math
import shutil
from pathlib import Path

from .config import TrainConfig

FORMAT = "clara-bundle/1"


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def write_bundle(out: Path, name: str, cfg: TrainConfig, tokenizer_dir: Path, onnx_files: dict[str, Path],
                 abstain_below: float, training: dict, evaluation: dict) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    files = {"tokenizer": "tokenizer.json", "tokenizer_config": "tokenizer_config.json",
             "compressor": "compressor.onnx", "query": "query.onnx", "generator": "generator.onnx"}
    shutil.copyfile(tokenizer_dir / "tokenizer.json", out / "tokenizer.json")
    shutil.copyfile(tokenizer_dir / "tokenizer_config.json", out / "tokenizer_config.json")
    for key in ("compressor", "query", "generator"):
        shutil.copyfile(onnx_files[key], out / files[key])
    digests = {f: sha256(out / f) for f in files.values()}
    m = cfg.model
    version = f"{cfg.name}-" + hashlib.sha256("".join(sorted(digests.values())).encode()).hexdigest()[:12]
    manifest = {
        "format": FORMAT,
        "name": name,
        "version": version,
        "config": cfg.name,
        "doc_max_tokens": m.doc_max_tokens,
        "query_max_tokens": m.query_max_tokens,
        "compression_rate": m.compression_rate,
        "mem_tokens": m.mem_tokens,
        "hidden": m.enc_dim,
        "doc_template": cfg.doc_template,
        "retrieval": {"metric": "cosine-flat", "abstain_below": abstain_below},
        "special_tokens": {"pad": "<pad>", "bos": "<s>", "eos": "</s>"},
        "pad_id": 0, "bos_id": 1, "eos_id": 2,
        "generator": {
            "layers": m.gen_layers, "heads": m.gen_heads, "head_dim": m.gen_dim // m.gen_heads,
            "max_blocks": m.max_blocks, "max_new_tokens": cfg.max_new_tokens, "max_context": m.max_context,
            "prompt_template": cfg.prompt_template,
        },
        "files": files,
        "sha256": digests,
        "training": training,
        "evaluation": evaluation,
    }
    # Strict JSON: a figure that could not be measured (NaN, e.g. no answerable question) is written as null.
    (out / "manifest.json").write_text(
        json.dumps(_finite_or_null(manifest), indent=2, ensure_ascii=False, allow_nan=False) + "\n")
    return manifest


def _finite_or_null(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite_or_null(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite_or_null(v) for v in value]
    return value
