"""How far can an answer's *form* take token F1 on SWE-QA? Scores answers that a generator would give if it
reproduced one training-answer template perfectly from the top-1 chunk of a `clara eval` ranking, against the eval
kit's reference answers, with the eval kit's own scorer (tools/score.py). No model is run: this is the ceiling of each
form, not a measurement of a generator.

Forms (all built from the definition that starts in the top-1 chunk, else the one the chunk continues, read with
synth_python's extraction):
  locator        "`App.open_resource` in `app.py` [1]."  (the nlq / described training answer)
  +summary       the locator, then the docstring's first sentence (what the simple "What does X do?" answer says)
  paraphrase     the SCP paraphrase answer: signature; summary; calls; sets; raises
  +paraphrase    the locator, then the paraphrase
  question       the question itself (no answer at all)
  question+both  the question, then the locator and the paraphrase

    python -m models.training.experiments.answer_forms --predictions OUT/libs/predictions/sweqa.bm25.jsonl \
        [--predictions ...] --corpora CACHE/corpora [--out FILE]

The predictions files are `clara eval`'s (their extractive answers cite the ranking's top-1 chunk); the corpora are
the ones that run materialised. Read-only on the eval data: nothing here is trained on."""
from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
from pathlib import Path

from ..chunks import Chunk
from ..synth_python import Definition, extract_definitions, paraphrase_sample

EVAL_DIR = Path("/work/shared/eval")
FORMS = ["locator", "+summary", "paraphrase", "+paraphrase", "question", "question+both"]
EXTRACTIVE = "extractive (the eval's own answer)"


def eval_kit_f1(eval_dir: Path = EVAL_DIR):
    """The kit's own token F1 (tools/score.py), imported, not copied."""
    spec = importlib.util.spec_from_file_location("evalkit_score", eval_dir / "tools" / "score.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.f1


def corpus_roots(corpora: Path, eval_dir: Path = EVAL_DIR) -> dict[str, Path]:
    """The folder `clara eval` indexed for each corpus id: get-corpus.sh's DEST plus corpora.json's subdir."""
    meta = json.loads((eval_dir / "corpora.json").read_text())
    return {cid: corpora / cid / m.get("subdir", ".") for cid, m in meta.items()}


def top_definition(text: str, path: str, start: int, end: int) -> Definition | None:
    """The first definition that starts inside lines [start, end] of the file, else the last one that starts above
    them (a chunk that continues a long function or class)."""
    defs = extract_definitions(text, path, [Chunk(0, "", path, "python", 1, end, "", "")])
    inside = [d for d in defs if d.line >= start]
    if inside:
        return min(inside, key=lambda d: d.line)
    return max(defs, key=lambda d: d.line) if defs else None


def answer_forms(question: str, path: str, d: Definition | None) -> dict[str, str]:
    locator = f"`{d.qualname}` in `{path}` [1]." if d else f"`{path}` [1]."
    summary = f"{locator} {d.doc}." if d and d.doc else locator
    para = paraphrase_sample(d, "python") if d else None
    paraphrase = para.answer.replace(" [#0]", " [1]") if para else locator
    both = f"{locator} {paraphrase}" if para else locator
    return {"locator": locator, "+summary": summary, "paraphrase": paraphrase, "+paraphrase": both,
            "question": question, "question+both": f"{question} {both}"}


def measure(predictions: list[Path], corpora: Path, eval_dir: Path = EVAL_DIR) -> dict:
    f1 = eval_kit_f1(eval_dir)
    gold = {}
    for line in (eval_dir / "sweqa.jsonl").read_text().splitlines():
        if line.strip():
            row = json.loads(line)
            gold[row["id"]] = row
    roots = corpus_roots(corpora, eval_dir)
    scores: dict[str, list[float]] = {f: [] for f in FORMS + [EXTRACTIVE]}
    with_definition = 0
    for pred_file in predictions:
        for line in pred_file.read_text().splitlines():
            pred = json.loads(line)
            ref = gold[pred["id"]]
            if not pred.get("citations"):
                continue
            path, start, end = pred["citations"][0]
            source = roots[ref["corpus"]] / path
            text = source.read_text(encoding="utf-8", errors="replace") if source.is_file() else ""
            d = top_definition(text, path, start, end) if path.endswith(".py") else None
            with_definition += d is not None
            for form, answer in answer_forms(ref["question"], path, d).items():
                scores[form].append(f1(answer, ref["reference_answer"]))
            scores[EXTRACTIVE].append(f1(pred.get("answer") or "", ref["reference_answer"]))
    n = len(scores["locator"])
    return {"n": n, "with_definition": with_definition,
            "token_f1": {k: round(statistics.fmean(v), 4) if v else None for k, v in scores.items()}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--predictions", type=Path, action="append", required=True)
    ap.add_argument("--corpora", type=Path, required=True)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    result = measure(args.predictions, args.corpora)
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
