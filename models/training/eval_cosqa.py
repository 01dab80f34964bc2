"""CoSQA code-search retrieval (/work/shared/eval/cosqa, never trained on) through a bundle's ONNX files:
compress the 6,267 snippets with compressor.onnx, each query with query.onnx, rank by flat cosine.

    .venv/bin/python -m models.training.eval_cosqa models/clara-code-tiny [--split test|dev] [--write]

--write records the figures in the bundle's manifest (evaluation.cosqa) and MODEL_CARD.md."""
from __future__ import annotations

import argparse
import json
import re
import time
from pathlib import Path

import numpy as np

from . import bpe
from .bundle import sha256
from .parity import ort_memory, session

EVAL = Path("/work/shared/eval/cosqa")


def encode_all(sess, tok, texts: list[str], limit: int, batch: int = 32) -> np.ndarray:
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    out = np.zeros((len(texts), 0), np.float32)
    rows: dict[int, np.ndarray] = {}
    for i in range(0, len(order), batch):
        idx = order[i:i + batch]
        mem = ort_memory(sess, [bpe.encode(tok, texts[j], limit) or [2] for j in idx])
        for j, m in zip(idx, mem):
            rows[j] = m.ravel()
    out = np.stack([rows[i] for i in range(len(texts))])
    return out / np.linalg.norm(out, axis=1, keepdims=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("bundle", type=Path)
    ap.add_argument("--split", default="test", choices=["test", "dev"])
    ap.add_argument("--write", action="store_true")
    args = ap.parse_args()
    m = json.loads((args.bundle / "manifest.json").read_text())
    tok = bpe.load_tokenizer(args.bundle / m["files"]["tokenizer"])
    codes = {i: c for c, i in json.loads((EVAL / "code_idx_map.txt").read_text()).items()}
    queries = json.loads((EVAL / f"cosqa-retrieval-{args.split}-500.json").read_text())
    ids = sorted(codes)
    t0 = time.time()
    docs = [m["doc_template"].replace("{path}", "snippet.py").replace("{code}", codes[i]) for i in ids]
    D = encode_all(session(args.bundle / m["files"]["compressor"]), tok, docs, m["doc_max_tokens"])
    t1 = time.time()
    Q = encode_all(session(args.bundle / m["files"]["query"]), tok, [q["doc"] for q in queries], m["query_max_tokens"])
    scores = Q @ D.T
    row = {i: r for r, i in enumerate(ids)}
    gold = np.array([scores[k, row[q["retrieval_idx"]]] for k, q in enumerate(queries)])
    ranks = (scores > gold[:, None]).sum(1) + 1
    res = {"split": args.split, "queries": len(queries), "snippets": len(ids),
           "mrr": round(float((1 / ranks).mean()), 4), "recall@1": round(float((ranks <= 1).mean()), 4),
           "recall@5": round(float((ranks <= 5).mean()), 4), "recall@10": round(float((ranks <= 10).mean()), 4),
           "compress_s": round(t1 - t0, 1), "chance_mrr": round(float(np.mean(1 / np.arange(1, len(ids) + 1))), 4)}
    print(json.dumps(res))
    if args.write:
        m["evaluation"].setdefault("cosqa", {})[args.split] = res
        (args.bundle / "manifest.json").write_text(json.dumps(m, indent=2, ensure_ascii=False) + "\n")
        card = (args.bundle / "MODEL_CARD.md").read_text()
        line = (f"| CoSQA {args.split} ({res['queries']} queries, {res['snippets']} snippets, bundle ONNX files) | "
                f"MRR / R@1 / R@5 / R@10 | {res['mrr']} / {res['recall@1']} / {res['recall@5']} / {res['recall@10']} "
                f"(chance MRR {res['chance_mrr']}) |")
        card = re.sub(r"\| CoSQA [^\n]*not measured for this bundle \|", line, card)
        if line not in card:
            card = card.replace("|---|---|---|\n", "|---|---|---|\n" + line + "\n", 1)
        (args.bundle / "MODEL_CARD.md").write_text(card)
        assert m["sha256"][m["files"]["compressor"]] == sha256(args.bundle / m["files"]["compressor"])


if __name__ == "__main__":
    main()
