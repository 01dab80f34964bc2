"""Does a variant's generator reproduce names from its memories? Held-out synthesized single-chunk questions (files
never trained on), the gold chunk as the first of five blocks (four held-out chunks drawn at random after it),
greedy decoding; reports token F1 and the verbatim rate: the share of the reference answer's backticked spans (a
name, a signature, a return expression) that appear verbatim in the generated answer.

    python -m models.training.experiments.quoted_recall --variants ctr,ctr-x2,ctr-long [--n 100] [--out FILE]"""
from __future__ import annotations

import argparse
import json
import random
import re
from pathlib import Path

import torch

from ..batches import place_markers, prompt_ids
from ..evaluate import token_f1
from ..parity import torch_greedy
from ..train import compress_all
from .variants import BY_NAME, build, experiment_config, load_data

HERE = Path(__file__).parent
QUOTED = re.compile(r"`([^`]+)`")


@torch.no_grad()
def measure(name: str, work: Path, data, n: int, seed: int = 5) -> dict:
    cfg = experiment_config(BY_NAME[name])
    ck = torch.load(work / name / "final.pt", map_location="cpu", weights_only=False)
    models = build(cfg, "memory")
    for role in ("compressor", "query", "generator"):
        getattr(models, role).load_state_dict(ck[role])
        getattr(models, role).eval()
    rng = random.Random(seed)
    held_chunks = data.chunks[data.n_train:]
    samples = [s for s in data.held_samples if len(s.chunks) == 1]
    rng.shuffle(samples)
    f1s, verbatim, examples = [], [], []
    for s in samples[:n]:
        gold = s.chunks[0]
        negatives = [c.id for c in rng.sample(held_chunks, 5) if c.id != gold][:4]
        mem = compress_all(models.compressor, [data.doc_ids[c] for c in [gold] + negatives])
        ids = torch_greedy(models.generator, mem.reshape(1, -1, mem.shape[-1]), prompt_ids(data.tok, cfg, s.question), 40)
        out = data.tok.decode(ids)
        ref = place_markers(s.answer, [0])
        f1s.append(token_f1(out, ref))
        spans = QUOTED.findall(ref)
        if spans:
            verbatim.append(sum(sp in out for sp in spans) / len(spans))
        if len(examples) < 5:
            examples.append({"question": s.question, "reference": ref, "answer": out.strip()})
    return {"variant": name, "questions": len(f1s), "token_f1": round(sum(f1s) / len(f1s), 4),
            "verbatim_rate": round(sum(verbatim) / len(verbatim), 4), "questions_with_spans": len(verbatim),
            "examples": examples}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", type=Path, default=HERE.parent / "runs" / "experiments")
    ap.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "clara-training")
    ap.add_argument("--variants", required=True)
    ap.add_argument("--n", type=int, default=100)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    torch.set_num_threads(1)
    data = load_data(args.work / "shared", args.cache)
    rows = [measure(v, args.work, data, args.n) for v in args.variants.split(",") if v]
    for r in rows:
        print(json.dumps({k: v for k, v in r.items() if k != "examples"}))
    if args.out:
        args.out.write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
