"""One command for the compression sweep (4/16/32 vs raw text vs extractive) and the SCP data-mix ablation:

    CLARA_THREADS=1 nice -n 15 .venv/bin/python -m models.training.experiments.sweep

trains every variant (one at a time, resumable), then measures them (reading.py) and writes
models/training/experiments/results/{sweep.json,sweep.md}. Work files go to models/training/runs/experiments/."""
from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import torch

from .variants import BY_NAME, VARIANTS, load_data, log, train_variant

HERE = Path(__file__).parent
RESULTS = HERE / "results"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", type=Path, default=HERE.parent / "runs" / "experiments", help="checkpoints and data")
    ap.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "clara-training", help="downloads")
    ap.add_argument("--variants", default=",".join(v.name for v in VARIANTS), help="comma-separated subset")
    ap.add_argument("--steps", choices=["train", "eval", "all"], default="all")
    ap.add_argument("--smoke", action="store_true", help="2 steps per stage (tests)")
    ap.add_argument("--results", type=Path, default=RESULTS)
    args = ap.parse_args()

    torch.set_num_threads(int(os.environ.get("CLARA_THREADS", 1)))
    names = [n for n in args.variants.split(",") if n]
    unknown = [n for n in names if n not in BY_NAME]
    if unknown:
        raise SystemExit(f"unknown variants {unknown}; choose from {list(BY_NAME)}")
    shared = args.work / "shared"
    data = load_data(shared, args.cache)
    if args.steps in ("train", "all"):
        for n in names:
            t = time.time()
            log(f"training {n}")
            train_variant(BY_NAME[n], shared, args.work / n, data, args.smoke)
            log(f"{n} trained in {time.time() - t:.1f} s")
    if args.steps in ("eval", "all"):
        from .reading import measure_all
        measure_all([BY_NAME[n] for n in names], args.work, data, args.results, args.smoke)


if __name__ == "__main__":
    main()
