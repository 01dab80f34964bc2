"""Held-out retrieval of experiment variants over the whole index: every held-out synthesized question (files never
trained on) against every chunk, training and held-out, ranked by flat cosine, for the query reasoner as it starts
(a copy of the compressor, CLaRa's init) and as it ends (after warm-up and end-to-end).

The pipeline's own held-out figure (evaluate.heldout_eval) indexes half of the held-out files and asks only about
those (91 questions for tiny), which is too few to compare variants; this one asks all 1,678.

    python -m models.training.experiments.heldout_retrieval --variants cr16,ctr [--out results/contrastive.json]"""
from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import torch
import torch.nn.functional as F

from .. import batches as B
from ..evaluate import encode_questions, ranks_of, retrieval_metrics
from ..train import compress_all
from .variants import BY_NAME, build, experiment_config, load_data

HERE = Path(__file__).parent
MOVED_SEED = 99


@torch.no_grad()
def measure(name: str, work: Path, data) -> dict:
    cfg = experiment_config(BY_NAME[name])
    ck = torch.load(work / name / "final.pt", map_location="cpu", weights_only=False)
    models = build(cfg, "memory")
    models.compressor.load_state_dict(ck["compressor"])
    models.query.load_state_dict(ck["query"])
    index = F.normalize(compress_all(models.compressor, data.doc_ids).flatten(1), dim=-1)
    held = [s for s in data.held_samples if s.chunks]
    gold = [s.chunks[0] for s in held]
    out = {"variant": name, "index_chunks": len(index), "questions": len(held)}
    questions = [s.question for s in held]
    ask = {role: F.normalize(encode_questions(enc, data.tok, questions, cfg.model.query_max_tokens).flatten(1), dim=-1)
           for role, enc in (("compressor_copy", models.compressor), ("query_reasoner", models.query))}
    for role, q in ask.items():
        out[role] = retrieval_metrics(ranks_of(q @ index.T, gold))
    # The same questions against an index whose files all sit under a folder the corpus did not have (a different
    # draw from the one path augmentation trains with): how much the memories depend on the exact path text.
    moved = F.normalize(compress_all(models.compressor, B.relocated_docs(data.tok, data.chunks, cfg, MOVED_SEED))
                        .flatten(1), dim=-1)
    out["query_reasoner_moved_paths"] = retrieval_metrics(ranks_of(ask["query_reasoner"] @ moved.T, gold))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", type=Path, default=HERE.parent / "runs" / "experiments")
    ap.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "clara-training")
    ap.add_argument("--variants", required=True, help="comma-separated, each already trained (final.pt)")
    ap.add_argument("--out", type=Path, default=HERE / "results" / "contrastive.json")
    args = ap.parse_args()
    torch.set_num_threads(int(os.environ.get("CLARA_THREADS", 1)))
    data = load_data(args.work / "shared", args.cache)
    rows = []
    for name in args.variants.split(","):
        rows.append(measure(name, args.work, data))
        print(json.dumps(rows[-1]), flush=True)
    args.out.write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
