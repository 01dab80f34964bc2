"""Compare bundles on the same held-out data, through their ONNX files (what the product runs): retrieval over the
held-out chunks of a run directory and answers generated from the top-k retrieved memories.

    .venv/bin/python -m models.training.compare_bundles --run-dir models/training/runs/small \\
        models/clara-code-tiny models/clara-code-base

Held-out files are chosen by a hash of their path (corpus.split_heldout), so they are held out of every config's
training; the figures decide which bundle becomes models/default.json."""
from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

import numpy as np

from . import bpe
from .chunks import Chunk, format_doc
from .evaluate import retrieval_metrics, token_f1
from .batches import place_markers, question_ids
from .parity import ort_greedy, ort_memory, session
from .prepare import load_jsonl
from .synth_python import Sample


def measure(bundle: Path, chunks: list[Chunk], samples: list[Sample], n_generate: int) -> dict:
    m = json.loads((bundle / "manifest.json").read_text())
    tok = bpe.load_tokenizer(bundle / m["files"]["tokenizer"])
    comp, query, gen = (session(bundle / m["files"][k]) for k in ("compressor", "query", "generator"))
    docs = [bpe.encode(tok, format_doc(m["doc_template"], c), m["doc_max_tokens"]) for c in chunks]
    mem = np.concatenate([ort_memory(comp, docs[i:i + 32]) for i in range(0, len(docs), 32)])
    flat = mem.reshape(len(chunks), -1)
    flat = flat / np.linalg.norm(flat, axis=1, keepdims=True)
    row = {c.id: i for i, c in enumerate(chunks)}
    qs = [question_ids(tok, s.question, m["query_max_tokens"]) for s in samples]
    q = np.concatenate([ort_memory(query, qs[i:i + 64]) for i in range(0, len(qs), 64)]).reshape(len(samples), -1)
    q = q / np.linalg.norm(q, axis=1, keepdims=True)
    scores = q @ flat.T
    gold = np.array([scores[i, row[s.chunks[0]]] for i, s in enumerate(samples)])
    ranks = (scores > gold[:, None]).sum(1) + 1
    by_kind: dict[str, list[int]] = {}
    for s, r in zip(samples, ranks):
        by_kind.setdefault(f"{s.language}/{s.kind}", []).append(int(r))
    g = m["generator"]
    k = g["max_blocks"]
    f1, cite = [], []
    for i, s in enumerate(samples[:n_generate]):
        top = list(np.argsort(-scores[i])[:k])
        prompt = bpe.encode(tok, g["prompt_template"].replace("{question}", s.question))
        out = tok.decode(ort_greedy(gen, mem[top].reshape(1, -1, mem.shape[-1]), prompt, g["layers"], g["heads"],
                                    g["head_dim"], g["max_new_tokens"]))
        picked = [chunks[j].id for j in top]
        ref = place_markers(s.answer, [picked.index(c) if c in picked else None for c in s.chunks])
        f1.append(token_f1(out, ref))
        gpos = picked.index(s.chunks[0]) + 1 if s.chunks[0] in picked else None
        cite.append(gpos is not None and f"[{gpos}]" in out)
    return {"bundle": m["name"], "version": m["version"], "retrieval": retrieval_metrics([int(r) for r in ranks]),
            "retrieval_by_language_kind": {k2: retrieval_metrics(v)["mrr"] for k2, v in sorted(by_kind.items())},
            "answer_token_f1": round(float(np.mean(f1)), 4) if f1 else None,
            "answer_cites_gold_block": round(float(np.mean(cite)), 4) if cite else None, "generated": len(f1)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("bundles", nargs="+", type=Path)
    ap.add_argument("--run-dir", type=Path, required=True, help="a run directory with held-out chunks and samples")
    ap.add_argument("--questions", type=int, default=800)
    ap.add_argument("--generate", type=int, default=80)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    info = json.loads((args.run_dir / "data_info.json").read_text())
    chunks = load_jsonl(args.run_dir / "chunks.jsonl", Chunk)[info["chunks"]["train"]:]
    samples = load_jsonl(args.run_dir / "heldout_samples.jsonl", Sample)
    random.Random(5).shuffle(samples)
    samples = samples[: args.questions]
    res = {"heldout_chunks": len(chunks), "questions": len(samples),
           "results": [measure(b, chunks, samples, args.generate) for b in args.bundles]}
    print(json.dumps(res, indent=1))
    if args.out:
        args.out.write_text(json.dumps(res, indent=2) + "\n")


if __name__ == "__main__":
    main()
