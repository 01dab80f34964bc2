"""Compare `clara eval` runs question by question, against a base run (e.g. the shipped bundle's), on the same
questions. Two measures, both read from the per-question rankings each run writes (OUT/predictions/<set>.<ranking>
.jsonl); no model is run.

- Paired MRR difference per ranking (memory, lexical, fused): the mean over questions of the candidate's reciprocal
  rank minus the base's, with its paired standard error and the number of questions each side ranks better. Two
  bundles' MRRs on 256 questions differ by a few hundredths by chance; the paired error says which differences are
  more than that.
- Top-k split (memory vs lexical within one run): questions whose gold file is in the top k of the memory ranking
  only, of the lexical ranking only, of both, of neither. Fusion can bring a gold file into the top k mostly where
  the memory ranking has it and the lexical one does not.

    python -m models.training.experiments.compare_eval_runs --base shipped=OUT0 --run candidate=OUT1 [--k 5]

Each OUT is a `clara eval --out` folder, or a folder of them (every predictions/ folder below it is read, e.g. the
libs and django runs of one bundle). SWE-QA rows count when `gold_from` is paths, as in the headline tables. The
development kit's changelog_loc set (models/training/devkit) is compared the same way where a run has it.

`--fusion-weight W` adds a "fused@W" ranking: each question's reciprocal rank fused at memory weight W, read from the
`fusionGrid` that `clara eval --fusion-grid` writes into results.json. Two bundles calibrated to different weights
(or one not calibrated) are then compared at one weight rather than each at its own.

`--answers` adds the generator's answers, paired per question on each of ANSWER_METRICS as results.json holds them
(`answers.generator.metrics`): token F1, citation file hit and precision, line hit, the share of locator claims
true and whether the first name quoted is in the reference (a question counts there only where both runs have it). Two runs of one bundle that differ in how
it answers (e.g. a decoding rule) are compared this way on the same retrieved blocks."""
from __future__ import annotations

import argparse
import json
import math
from collections.abc import Iterable
from pathlib import Path

EVAL_DIR = Path("/work/shared/eval")
DEV_DIR = Path(__file__).resolve().parents[1] / "devkit"
SETS = {"sweqa": "sweqa.jsonl", "swebench_lite_loc": "swebench_lite_loc.jsonl", "changelog_loc": "changelog_loc.jsonl"}
RANKINGS = ["memory", "lexical", "fused"]
ANSWER_METRICS = ["answer_token_f1", "citation_file_hit", "citation_file_precision", "citation_line_hit",
                  "locators_true", "relations_true", "well_formed", "first_name_in_reference"]


def gold_files(eval_dir: Path, dev_dir: Path = DEV_DIR) -> dict[str, dict[str, set[str]]]:
    out: dict[str, dict[str, set[str]]] = {}
    for name, file in SETS.items():
        rows = [json.loads(line) for line in ((dev_dir if name == "changelog_loc" else eval_dir) / file).read_text()
                .splitlines()]
        out[name] = {r["id"]: set(r["gold_files"]) for r in rows if name != "sweqa" or r["gold_from"] == "paths"}
    return out


def rankings(out_dir: Path, set_name: str, ranking: str) -> dict[str, list[str | None]]:
    ranked: dict[str, list[str | None]] = {}
    for f in sorted(out_dir.rglob(f"predictions/{set_name}.{ranking}.jsonl")):
        for line in f.read_text().splitlines():
            row = json.loads(line)
            ranked[row["id"]] = row["files"]  # a null keeps its rank, as in score.py (a path not in the corpus)
    return ranked


def grid_reciprocal_ranks(out_dir: Path, set_name: str, weight: float) -> dict[str, float]:
    ranks: dict[str, float] = {}
    for f in sorted(out_dir.rglob("results.json")):
        for row in json.loads(f.read_text())["results"]:
            at = [g["mrr"] for g in row.get("fusionGrid") or [] if g["memoryWeight"] == weight]
            if row["set"] == set_name and at:
                ranks[row["id"]] = at[0]
    return ranks


def answer_metric(out_dir: Path, set_name: str, metric: str) -> dict[str, float]:
    """Each question's value of one generator answer metric, where its answer has it."""
    values: dict[str, float] = {}
    for f in sorted(out_dir.rglob("results.json")):
        for row in json.loads(f.read_text())["results"]:
            generator = (row.get("answers") or {}).get("generator")
            if row["set"] == set_name and generator and metric in generator["metrics"]:
                values[row["id"]] = generator["metrics"][metric]
    return values


def paired_values(base: dict[str, float], cand: dict[str, float], ids: Iterable[str],
                  key: str = "mrr_difference") -> dict:
    diffs = [cand[i] - base[i] for i in ids if i in base and i in cand]
    n = len(diffs)
    if n < 2:
        return {"n": n}
    mean = sum(diffs) / n
    se = math.sqrt(sum((d - mean) ** 2 for d in diffs) / (n - 1) / n)
    return {"n": n, key: round(mean, 4), "paired_se": round(se, 4),
            "better": sum(d > 0 for d in diffs), "worse": sum(d < 0 for d in diffs)}


def reciprocal_rank(ranked: list[str | None], gold: set[str]) -> float:
    first = next((k for k, f in enumerate(ranked) if f in gold), None)
    return 0.0 if first is None else 1.0 / (first + 1)


def paired_difference(base: dict[str, list[str]], cand: dict[str, list[str]], gold: dict[str, set[str]]) -> dict:
    ids = [i for i in gold if i in base and i in cand]
    return paired_values({i: reciprocal_rank(base[i], gold[i]) for i in ids},
                         {i: reciprocal_rank(cand[i], gold[i]) for i in ids}, ids)


def top_k_split(memory: dict[str, list[str]], lexical: dict[str, list[str]], gold: dict[str, set[str]],
                k: int) -> dict:
    counts = {"memory only": 0, "lexical only": 0, "both": 0, "neither": 0}
    ids = [i for i in gold if i in memory and i in lexical]
    for i in ids:
        m, lx = bool(set(memory[i][:k]) & gold[i]), bool(set(lexical[i][:k]) & gold[i])
        counts["both" if m and lx else "memory only" if m else "lexical only" if lx else "neither"] += 1
    return {"n": len(ids), **counts}


def compare(base: Path, runs: dict[str, Path], gold: dict[str, dict[str, set[str]]], k: int,
            fusion_weight: float | None = None, answers: bool = False) -> dict:
    out: dict = {"k": k, "paired": {}, "top_k_split": {}}
    for label, folder in {"base": base, **runs}.items():
        out["top_k_split"][label] = {s: top_k_split(rankings(folder, s, "memory"), rankings(folder, s, "lexical"),
                                                    gold[s], k) for s in SETS}
    for label, folder in runs.items():
        out["paired"][label] = {r: {s: paired_difference(rankings(base, s, r), rankings(folder, s, r), gold[s])
                                    for s in SETS} for r in RANKINGS}
        if fusion_weight is not None:
            out["paired"][label][f"fused@{fusion_weight:g}"] = {
                s: paired_values(grid_reciprocal_ranks(base, s, fusion_weight),
                                 grid_reciprocal_ranks(folder, s, fusion_weight), gold[s]) for s in SETS}
        if answers:
            out["paired"][label]["answers"] = {
                m: {s: paired_values(answer_metric(base, s, m), answer_metric(folder, s, m), gold[s], key="difference")
                    for s in SETS} for m in ANSWER_METRICS}
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", required=True, help="LABEL=OUT folder of the run to compare against")
    ap.add_argument("--run", action="append", required=True, help="LABEL=OUT folder of clara eval")
    ap.add_argument("--k", type=int, default=5)
    ap.add_argument("--eval-dir", type=Path, default=EVAL_DIR)
    ap.add_argument("--dev-dir", type=Path, default=DEV_DIR)
    ap.add_argument("--fusion-weight", type=float, help="also compare the fused ranking at this memory weight "
                    "(from results.json's fusionGrid)")
    ap.add_argument("--answers", action="store_true", help="also pair the generator's answer metrics")
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    base_label, base = args.base.split("=", 1)
    runs = {label: Path(folder) for label, folder in (spec.split("=", 1) for spec in args.run)}
    result = {"base": base_label, **compare(Path(base), runs, gold_files(args.eval_dir, args.dev_dir), args.k,
                                              args.fusion_weight, args.answers)}
    print(json.dumps(result, indent=1))
    if args.out:
        args.out.write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
