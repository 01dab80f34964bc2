"""The paper's "Sup-" retriever baseline as a bundle: the shipped bundle with its query.onnx replaced by the query
reasoner as it stood after the contrastive warm-up (`align` stage: supervised InfoNCE over the cached index with the
synthesis labels, same backbone, same frozen compressor), before the label-free end-to-end stage. Running the
product's `clara eval` on it measures that retriever through the product's pipeline, beside the shipped end-to-end one.

    .venv/bin/python -m models.training.experiments.sup_baseline --bundle models/clara-code-tiny \\
        --run-dir models/training/runs/tiny --out /tmp/clara-code-tiny-sup
    npm run eval -- --bundle /tmp/clara-code-tiny-sup --no-answers --no-lexical ...

The variant is an evaluation artefact (its version differs, so stores are rebuilt); it is not shipped."""
from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import numpy as np
import onnxruntime as ort
import torch

from .. import bpe
from ..bundle import sha256
from ..config import get_config
from ..export_onnx import export_encoder, quantize
from ..train import build_models


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--bundle", type=Path, required=True, help="the shipped bundle trained by --run-dir")
    ap.add_argument("--run-dir", type=Path, required=True, help="its training run (ckpt-align.pt, tokenizer/)")
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()

    manifest = json.loads((args.bundle / "manifest.json").read_text())
    cfg = get_config(manifest["config"])
    models = build_models(cfg)
    ck = torch.load(args.run_dir / "ckpt-align.pt", map_location="cpu", weights_only=False)
    models.query.load_state_dict(ck["query"])

    shutil.rmtree(args.out, ignore_errors=True)
    shutil.copytree(args.bundle, args.out)
    fp32 = args.out / "query.fp32.onnx"
    export_encoder(models.query, fp32, cfg.model.query_max_tokens)
    quantize(fp32, args.out / "query.onnx")
    fp32.unlink()

    # Parity of the exported file with PyTorch on a few questions (the same check the pipeline makes).
    tok = bpe.load_tokenizer(args.run_dir / "tokenizer" / "tokenizer.json")
    sess = ort.InferenceSession(str(args.out / "query.onnx"), providers=["CPUExecutionProvider"])
    worst = 1.0
    for q in ["What does parse_header return?", "Which class defines the retry policy?", "how to open a socket"]:
        ids = torch.tensor([bpe.encode(tok, q, cfg.model.query_max_tokens)])
        mask = torch.ones_like(ids)
        with torch.no_grad():
            ref = models.query.eval()(ids, mask).numpy().ravel()
        got = sess.run(["memory"], {"input_ids": ids.numpy(), "attention_mask": mask.numpy()})[0].ravel()
        worst = min(worst, float(np.dot(ref, got) / (np.linalg.norm(ref) * np.linalg.norm(got))))

    manifest["name"] = f"{manifest['name']}-sup"
    manifest["version"] = f"{manifest['version']}-sup"
    manifest["sha256"]["query.onnx"] = sha256(args.out / "query.onnx")
    manifest["retrieval"].pop("fusion", None)
    manifest["retrieval"].pop("fusion_calibration", None)
    manifest["variant"] = {"of": args.bundle.name, "query": "after the contrastive warm-up (align stage), before e2e",
                           "query_onnx_cosine_min_vs_torch": round(worst, 6)}
    (args.out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    print(json.dumps({"out": str(args.out), "version": manifest["version"], "query_cosine_min": round(worst, 6)}))


if __name__ == "__main__":
    main()
