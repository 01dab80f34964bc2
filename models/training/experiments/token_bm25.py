"""Does the compressor's own input carry what BM25 matches on? BM25 on SWE-QA (`gold_from` = paths) over the chunks
of each corpus, with three kinds of terms:
  words        lower-cased alphanumeric runs of path + code (snake_case split), as experiments/bm25.py
  bundle ids   the bundle tokenizer's ids of doc_template(path, code), cut at doc_max_tokens — exactly what the
               compressor reads — and of the question, cut at query_max_tokens — what the query reasoner reads
  all ids      the same ids without the cuts
A file's score is its best chunk's; metrics are score.py's (file-level Recall@5 over distinct files, MRR). No model
is run. If BM25 over the bundle's ids is close to BM25 over words, what the memory retriever misses is not in its
tokenisation or its 256-token window but in what the encoder keeps.

    python -m models.training.experiments.token_bm25 --bundle models/clara-code-tiny --corpora CACHE/corpora \
        [--corpus flask,requests,...] [--out FILE]

CACHE/corpora is the folder `clara eval --cache CACHE` fetched the corpora into. Chunks are made by the training
pipeline's chunker (chunks.py), which follows the engine's definitions but is not it."""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from .. import bpe
from ..chunks import chunk_file
from ..corpus import SourceFile
from .bm25 import BM25, words

EVAL_DIR = Path("/work/shared/eval")
LIBS = ["flask", "requests", "pytest", "sphinx", "pylint", "django"]


def corpus_chunks(root: Path) -> list:
    chunks: list = []
    for p in sorted(root.rglob("*.py")):
        try:
            text = p.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        chunks += chunk_file(SourceFile("eval", root.name, str(p.relative_to(root)), "python", text), len(chunks))
    return chunks


def file_metrics(scores: dict[int, float], chunks: list, gold: list[str]) -> tuple[float, float]:
    best: dict[str, float] = {}
    for i, v in scores.items():
        if v > best.get(chunks[i].path, float("-inf")):
            best[chunks[i].path] = v
    ranked = sorted(best, key=lambda f: (-best[f], f))
    recall5 = len(set(ranked[:5]) & set(gold)) / len(set(gold))
    first = next((k for k, f in enumerate(ranked) if f in gold), None)
    return recall5, 0.0 if first is None else 1.0 / (first + 1)


def report(got: dict[str, list[tuple[float, float]]], bundle: str, out: Path | None) -> dict:
    """Mean Recall@5 and MRR per ranking from (recall@5, reciprocal rank) pairs; printed, and written to `out`."""
    result: dict = {kind: {"n": len(v), "recall@5": round(sum(a for a, _ in v) / len(v), 3),
                           "mrr": round(sum(b for _, b in v) / len(v), 3)} for kind, v in got.items()}
    result["bundle"] = bundle
    print(json.dumps(result, indent=1))
    if out:
        out.write_text(json.dumps(result, indent=1) + "\n")
    return result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--bundle", type=Path, required=True)
    ap.add_argument("--corpora", type=Path, required=True)
    ap.add_argument("--corpus", default=",".join(LIBS))
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    manifest = json.loads((args.bundle / "manifest.json").read_text())
    tok = bpe.load_tokenizer(args.bundle / "tokenizer.json")
    template, doc_max, query_max = manifest["doc_template"], manifest["doc_max_tokens"], manifest["query_max_tokens"]
    kits = json.loads((EVAL_DIR / "corpora.json").read_text())
    rows = [json.loads(line) for line in (EVAL_DIR / "sweqa.jsonl").read_text().splitlines()]
    ids = lambda text: tok.encode(text, add_special_tokens=False).ids
    kinds = {
        "words": (lambda c: c.path + "\n" + c.code, words, words),
        "bundle ids": (lambda c: template.replace("{path}", c.path).replace("{code}", c.code),
                       lambda t: ids(t)[:doc_max], lambda q: ids(q)[:query_max]),
        "all ids": (lambda c: template.replace("{path}", c.path).replace("{code}", c.code), ids, ids),
    }
    got: dict[str, list[tuple[float, float]]] = {k: [] for k in kinds}
    for cid in args.corpus.split(","):
        chunks = corpus_chunks(args.corpora / cid / kits[cid]["subdir"])
        questions = [r for r in rows if r["corpus"] == cid and r["gold_from"] == "paths"]
        for kind, (doc, doc_terms, query_terms) in kinds.items():
            index = BM25([doc(c) for c in chunks], terms=doc_terms, query_terms=query_terms)
            got[kind] += [file_metrics(index.scores(r["question"]), chunks, r["gold_files"]) for r in questions]
        print(f"{cid}: {len(chunks)} chunks, {len(questions)} questions", flush=True)
    report(got, manifest["version"], args.out)


if __name__ == "__main__":
    main()
