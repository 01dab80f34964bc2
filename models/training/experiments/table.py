"""sweep.json -> the markdown tables of docs/MODEL.md ("Compression and data-mix experiments").
Each cell shows seed 1234 / seed 2 where the seed-2 replicate was measured; ± is the standard error over questions
(seed 1234).

    .venv/bin/python -m models.training.experiments.table models/training/experiments/results/sweep.json"""
from __future__ import annotations

import json
import sys
from pathlib import Path

READERS = [("raw", "raw text (1x), same generator"), ("cr4", "memories, compression 4 (L=64)"),
           ("cr16", "memories, compression 16 (L=16)"), ("cr32", "memories, compression 32 (L=8)"),
           ("extractive", "extractive: top-1 chunk's docstring / first lines")]
MIXES = [("mix-s", "{simple}"), ("mix-sc", "{simple, complex}"), ("mix-scp", "{simple, complex, paraphrase}"),
         ("cr16", "shipped SCP data: single-chunk {simple, paraphrase, nlq}")]
SEED2 = "-seed2"


def _f(x) -> str:
    return "–" if x is None else f"{x:.3f}"


def _cell(section: dict, key: str, get, se=None) -> str:
    """'seed1234 / seed2 (± se)' for one measure of one variant."""
    vals = [get(section[k]) for k in (key, key + SEED2) if k in section]
    text = " / ".join(_f(v) for v in vals)
    if se is not None and key in section and se(section[key]) is not None:
        text += f" ± {_f(se(section[key]))}"
    return text


def write_table(r: dict, path: Path) -> None:
    held, sw, tr = r["heldout_fixed"], r["sweqa"], r["training"]
    every = r.get("heldout_retrieval_all", {})
    m = r["meta"]
    lines = [f"# Compression sweep and SCP data-mix ablation ({m['date']}, {m['hardware']})", "",
             f"Fixed chunks, only the reader varies. Held-out: {m['heldout_contexts']} synthesized questions from "
             f"files never trained on, gold + hard negatives, k={m['k']}. sweqa: {m['sweqa_questions']} questions of "
             f"{', '.join(m['sweqa_corpora'])}, BM25 top-{m['k']} chunks, scored by the eval kit's score.py. "
             "Cells: seed 1234 / seed 2; ± = standard error over questions (seed 1234).", "",
             "## (a) Compression rate vs raw text vs extractive", "",
             "| reader | held-out token-F1 | held-out cites gold block | sweqa token-F1 | sweqa citation file hit "
             "| sweqa citation line hit |",
             "|---|---:|---:|---:|---:|---:|"]
    f1 = lambda x: x["ALL"].get("answer_token_f1")  # noqa: E731
    f1_se = lambda x: x["ALL"].get("answer_token_f1_se")  # noqa: E731
    for key, label in READERS:
        if key not in held:
            lines.append(f"| {label} | not run | | | | |")
            continue
        n_line = sw[key]["ALL"].get("citation_line_hit_n", "–")
        lines.append(
            f"| {label} | {_cell(held, key, lambda x: x['token_f1'], lambda x: x['token_f1_se'])} "
            f"| {_cell(held, key, lambda x: x['citation_hit'])} "
            f"| {_cell(sw, key, f1, f1_se)} "
            f"| {_cell(sw, key, lambda x: x['ALL'].get('citation_file_hit'))} "
            f"| {_cell(sw, key, lambda x: x['ALL'].get('citation_line_hit'))} (n={n_line}) |")
    lines += ["", "## (b) SCP data mix (compression 16; every other stage identical)", "",
              "| SCP data | MRR / R@5, all held-out questions, after e2e | MRR, pipeline's held-out set, warm-up "
              "| MRR, pipeline's held-out set, after e2e | answer F1, fixed chunks (held-out) "
              "| answer F1, fixed chunks, complex (two-chunk) questions only | answer F1, top-5 retrieved (pipeline's "
              "held-out set) | sweqa token-F1 |",
              "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for key, label in MIXES:
        if key not in held or "heldout" not in tr.get(key, {}):
            lines.append(f"| {label} | not run | | | | | | |")
            continue
        lines.append(
            f"| {label} | {_cell(every, key, lambda x: x['mrr'], lambda x: x['mrr_se'])} ; "
            f"R@5 {_cell(every, key, lambda x: x['recall@5'])} "
            f"| {_cell(tr, key, lambda x: x['heldout_before_e2e']['retrieval']['mrr'])} "
            f"| {_cell(tr, key, lambda x: x['heldout']['retrieval']['mrr'])} "
            f"| {_cell(held, key, lambda x: x['token_f1'], lambda x: x['token_f1_se'])} "
            f"| {_cell(held, key, lambda x: x['by_kind'].get('complex', {}).get('token_f1'))} "
            f"(n={held[key]['by_kind'].get('complex', {}).get('n', 0)}) "
            f"| {_cell(tr, key, lambda x: x['heldout']['answer']['token_f1_retrieved'])} "
            f"| {_cell(sw, key, lambda x: x['ALL'].get('answer_token_f1'))} |")
    lines += ["", "## Training seconds per variant (1 thread, shared 2-core machine)", "",
              "| variant | stage seconds | load average start / end |", "|---|---|---|"]
    for key, t in tr.items():
        secs = ", ".join(f"{k[:-2]} {v}" for k, v in t["seconds"].items())
        lines.append(f"| {key} | {secs} | {t['load_avg_at_start']} / {t['load_avg_at_end']} |")
    path.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    src = Path(sys.argv[1])
    write_table(json.loads(src.read_text()), src.with_suffix(".md"))
