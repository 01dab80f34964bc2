"""How much of BM25's match can a fixed-size dense bag of tokens keep? On the development kit (models/training/devkit):
the chunks of each kit corpus (the training pipeline's chunker, cut at the bundle's doc_max_tokens ids of
doc_template), each question cut at query_max_tokens ids, as the memory encoders read them. No model is run. Rankings:

  bm25-ids           BM25 over those token ids (experiments/bm25.py)
  <weight> exact     cosine of the weighted token-count vectors (vocabulary-sized)
  <weight> sketchD   the same vectors projected onto D dimensions by a fixed Gaussian matrix, then cosine

Weights of a token with count tf: raw/sqrtn = tf (the learned lexical path's form at initialisation: a sum of token
vectors; its 1/sqrt(length) does not change a cosine), idf*raw = idf·tf, idf*sqrt = idf·sqrt(tf), idf*log =
idf·log(1+tf), idf*bin = idf, idf2*bin = idf². idf is BM25's, over all the kit's chunks pooled (the model would use the
training corpus's). A file's score is its best chunk's; file-level Recall@5 and MRR as token_bm25.py computes them.
With --idf-from BUNDLE (a bundle whose compressor has the token sketch, ModelConfig.lexical_hashes), the idf*raw rows
are also computed with the idf that bundle's compressor.onnx holds, the training corpus's ("train-idf"): the sketch's
own weights, to tell how much of the trained sketch's gap to BM25 comes from where its idf was counted; and projected
by that sketch's own hash positions and signs ("model-sketch") instead of a Gaussian matrix.

    python -m models.training.experiments.kit_token_bags --bundle models/clara-code-tiny \
        --corpora CACHE/corpora [--idf-from SKETCH_BUNDLE] [--out FILE]

CACHE/corpora is where `clara eval --data models/training/devkit --cache CACHE` (or the kit's get-corpus.sh) put the
corpora. About 10 minutes on 2 cores."""
from __future__ import annotations

import argparse
import collections
import json
import math
from pathlib import Path

import numpy as np

from .. import bpe
from ..chunks import chunk_file
from ..corpus import SourceFile
from .bm25 import BM25
from .token_bm25 import file_metrics, report

KIT = Path(__file__).resolve().parents[1] / "devkit"
CODE = {".js", ".mjs", ".cjs", ".ts", ".tsx", ".jsx", ".mts", ".cts"}
WEIGHTS = ["raw/sqrtn", "idf*raw", "idf*sqrt", "idf*log", "idf*bin", "idf2*bin"]
WIDTHS = (512, 2048)


def corpus_chunks(root: Path, cid: str) -> list:
    chunks: list = []
    for p in sorted(root.rglob("*")):
        if p.suffix not in CODE or "node_modules" in p.parts or not p.is_file():
            continue
        try:
            text = p.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        if len(text) > 1_000_000:
            continue
        chunks += chunk_file(SourceFile("kit", cid, str(p.relative_to(root)), "javascript", text), len(chunks))
    return chunks


def counts(docs: list[list[int]], vocab: int) -> np.ndarray:
    m = np.zeros((len(docs), vocab), np.float32)
    for i, d in enumerate(docs):
        for t, c in collections.Counter(d).items():
            m[i, t] = c
    return m


def weigh(tf: np.ndarray, kind: str, idf: np.ndarray) -> np.ndarray:
    forms = {"raw/sqrtn": lambda: tf, "idf*raw": lambda: tf * idf, "idf*sqrt": lambda: np.sqrt(tf) * idf,
             "idf*log": lambda: np.log1p(tf) * idf, "idf*bin": lambda: (tf > 0) * idf,
             "idf2*bin": lambda: (tf > 0) * idf ** 2}
    return forms[kind]()


def bundle_sketch(bundle: Path) -> tuple[np.ndarray, np.ndarray]:
    """The token sketch of a bundle's compressor.onnx (model.TokenSketch), dequantised where the int8 export quantised
    it: its idf table and its projection as a (vocab, width) matrix with each token's signs at its hash positions."""
    import onnx
    from onnx import numpy_helper

    tensors = {t.name: numpy_helper.to_array(t) for t in onnx.load(str(bundle / "compressor.onnx")).graph.initializer}

    def table(name: str) -> np.ndarray:
        if name in tensors:
            return tensors[name].astype(np.float32)
        q, scale, zero = (tensors[f"{name}_{k}"] for k in ("quantized", "scale", "zero_point"))
        return ((q.astype(np.float32) - float(zero)) * float(scale)).astype(np.float32)

    idf, sign, pos = table("enc.sketch.idf"), table("enc.sketch.sign"), tensors["enc.sketch.pos"]
    projection = np.zeros((len(idf), int(pos.max()) + 1), np.float32)  # cosines need no unused trailing positions
    np.add.at(projection, (np.repeat(np.arange(len(idf)), pos.shape[1]), pos.reshape(-1)), sign.reshape(-1))
    return idf, projection


def unit(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-9)


def top_metrics(score: np.ndarray, chunks: list, gold: list[str]) -> tuple[float, float]:
    """token_bm25's file-level metrics over the 400 best chunks (enough to rank every file a metric looks at)."""
    return file_metrics({int(i): float(score[i]) for i in np.argsort(-score)[:400]}, chunks, gold)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--bundle", type=Path, required=True)
    ap.add_argument("--corpora", type=Path, required=True)
    ap.add_argument("--idf-from", type=Path,
                    help="also rank idf*raw with this sketch bundle's own idf and hash projection (its compressor.onnx)")
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    manifest = json.loads((args.bundle / "manifest.json").read_text())
    tok = bpe.load_tokenizer(args.bundle / "tokenizer.json")
    vocab = tok.get_vocab_size()
    template, doc_max, query_max = manifest["doc_template"], manifest["doc_max_tokens"], manifest["query_max_tokens"]
    kits = json.loads((KIT / "corpora.json").read_text())
    rows = [json.loads(line) for line in (KIT / "changelog_loc.jsonl").read_text().splitlines()]
    ids = lambda text: tok.encode(text, add_special_tokens=False).ids

    corpora = {}
    for cid in sorted({r["corpus"] for r in rows}):
        chunks = corpus_chunks(args.corpora / cid / kits[cid]["subdir"], cid)
        docs = [ids(template.replace("{path}", c.path).replace("{code}", c.code))[:doc_max] for c in chunks]
        corpora[cid] = (chunks, docs)
    df = np.zeros(vocab)
    n = 0
    for _, docs in corpora.values():
        for d in docs:
            df[list(set(d))] += 1
        n += len(docs)
    idf = np.log(1 + (n - df + 0.5) / (df + 0.5))
    train_idf, model_projection = bundle_sketch(args.idf_from) if args.idf_from else (None, None)
    rng = np.random.default_rng(0)
    projections = {w: rng.standard_normal((vocab, w)).astype(np.float32) / math.sqrt(w) for w in WIDTHS}

    got: dict[str, list[tuple[float, float]]] = collections.defaultdict(list)
    for cid, (chunks, docs) in corpora.items():
        questions = [r for r in rows if r["corpus"] == cid]
        if not chunks:
            continue
        bm25 = BM25([" ".join(map(str, d)) for d in docs], terms=str.split,
                    query_terms=lambda q: [str(i) for i in ids(q)[:query_max]])
        for r in questions:
            got["bm25-ids"].append(file_metrics(bm25.scores(r["question"]), chunks, r["gold_files"]))
        tf_docs = counts(docs, vocab)
        tf_questions = counts([ids(r["question"])[:query_max] for r in questions], vocab)
        for kind in WEIGHTS:
            wd, wq = weigh(tf_docs, kind, idf), weigh(tf_questions, kind, idf)
            exact = unit(wq) @ unit(wd).T
            for j, r in enumerate(questions):
                got[f"{kind} exact"].append(top_metrics(exact[j], chunks, r["gold_files"]))
            for width, proj in projections.items():
                sketched = unit(wq @ proj) @ unit(wd @ proj).T
                for j, r in enumerate(questions):
                    got[f"{kind} sketch{width}"].append(top_metrics(sketched[j], chunks, r["gold_files"]))
        if train_idf is not None:
            wd, wq = weigh(tf_docs, "idf*raw", train_idf), weigh(tf_questions, "idf*raw", train_idf)
            exact = unit(wq) @ unit(wd).T
            sketched = unit(wq @ projections[2048]) @ unit(wd @ projections[2048]).T
            modelled = unit(wq @ model_projection) @ unit(wd @ model_projection).T
            for j, r in enumerate(questions):
                got["train-idf*raw exact"].append(top_metrics(exact[j], chunks, r["gold_files"]))
                got["train-idf*raw sketch2048"].append(top_metrics(sketched[j], chunks, r["gold_files"]))
                got["train-idf*raw model-sketch"].append(top_metrics(modelled[j], chunks, r["gold_files"]))
        print(f"{cid}: {len(chunks)} chunks, {len(questions)} questions", flush=True)
    report(got, manifest["version"], args.out)


if __name__ == "__main__":
    main()
