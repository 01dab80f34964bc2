"""sweep.json -> the markdown tables of docs/MODEL.md ("Compression and data-mix experiments")."""
from __future__ import annotations

from pathlib import Path

READERS = [("raw", "raw text (1x), same generator"), ("cr4", "memories, compression 4 (L=64)"),
           ("cr16", "memories, compression 16 (L=16)"), ("cr32", "memories, compression 32 (L=8)"),
           ("extractive", "extractive: top-1 chunk's docstring / first lines")]
MIXES = [("mix-s", "{simple}"), ("mix-sc", "{simple, complex}"), ("mix-scp", "{simple, complex, paraphrase}"),
         ("cr16", "shipped default: single-chunk {simple, paraphrase, nlq}")]


def _f(x) -> str:
    return "–" if x is None else f"{x:.3f}"


def write_table(r: dict, path: Path) -> None:
    held, sw, tr = r["heldout_fixed"], r["sweqa"], r["training"]
    m = r["meta"]
    lines = [f"# Compression sweep and SCP data-mix ablation ({m['date']}, {m['hardware']})", "",
             f"Fixed chunks, only the reader varies. Held-out: {m['heldout_contexts']} synthesized questions from files "
             f"never trained on, gold + hard negatives, k={m['k']}. sweqa: {m['sweqa_questions']} questions of "
             f"{', '.join(m['sweqa_corpora'])}, BM25 top-{m['k']} chunks, scored by the eval kit's score.py.", "",
             "## (a) Compression rate vs raw text vs extractive", "",
             "| reader | held-out token-F1 | held-out cites gold block | sweqa token-F1 | sweqa citation file hit "
             "| sweqa citation line hit |",
             "|---|---:|---:|---:|---:|---:|"]
    for key, label in READERS:
        if key not in held:
            lines.append(f"| {label} | not run | | | | |")
            continue
        a = sw[key]["ALL"]
        line_hit = a.get("citation_line_hit")
        lines.append(f"| {label} | {_f(held[key]['token_f1'])} ± {_f(held[key]['token_f1_se'])} "
                     f"| {_f(held[key]['citation_hit'])} "
                     f"| {_f(a.get('answer_token_f1'))} ± {_f(a.get('answer_token_f1_se'))} "
                     f"| {_f(a.get('citation_file_hit'))} "
                     f"| {_f(line_hit)} (n={a.get('citation_line_hit_n', '–')}) |")
    lines += ["", "## (b) SCP data mix (compression 16; every other stage identical)", "",
              "| SCP data | held-out MRR / R@5, warm-up | held-out MRR / R@5, after e2e | MRR ± se / R@5, all held-out "
              "questions, after e2e | answer F1, fixed chunks (held-out) | answer F1, top-5 retrieved (held-out) "
              "| sweqa token-F1 |",
              "|---|---:|---:|---:|---:|---:|---:|"]
    for key, label in MIXES:
        if key not in held or key not in tr or "heldout" not in tr[key]:
            lines.append(f"| {label} | not run | | | | | |")
            continue
        pre, post = tr[key]["heldout_before_e2e"]["retrieval"], tr[key]["heldout"]["retrieval"]
        every = r.get("heldout_retrieval_all", {}).get(key, {})
        lines.append(f"| {label} | {_f(pre['mrr'])} / {_f(pre['recall@5'])} | {_f(post['mrr'])} / "
                     f"{_f(post['recall@5'])} | {_f(every.get('mrr'))} ± {_f(every.get('mrr_se'))} / "
                     f"{_f(every.get('recall@5'))} | {_f(held[key]['token_f1'])} "
                     f"| {_f(tr[key]['heldout']['answer']['token_f1_retrieved'])} "
                     f"| {_f(sw[key]['ALL'].get('answer_token_f1'))} |")
    lines += ["", "## Training seconds per variant (1 thread, shared 2-core machine)", "",
              "| variant | stage seconds | load average start / end |", "|---|---|---|"]
    for key, t in tr.items():
        secs = ", ".join(f"{k[:-2]} {v}" for k, v in t["seconds"].items())
        lines.append(f"| {key} | {secs} | {t['load_avg_at_start']} / {t['load_avg_at_end']} |")
    path.write_text("\n".join(lines) + "\n")
