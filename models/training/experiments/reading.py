"""Measures the trained variants with the chunks held fixed, so only the reader varies:
- held-out synthesized questions (files never trained on): the gold chunk(s) + same-file / same-repository hard
  negatives from the held-out files, k = 5 blocks, shuffled once with a fixed seed (the instruction stage's layout);
- sweqa (/work/shared/eval, never trained on): BM25 top-5 over the chunks.py chunking of the corpus's .py files,
  read in rank order; scored by the eval kit's own tools/score.py (answer token-F1, citation hit).
Readers: each variant's generator after the instruction stage; the extractive baseline answers with the docstring
(or first lines) of the top-1 chunk (sweqa: BM25 rank 1; held-out: the BM25-best of the 5 blocks)."""
from __future__ import annotations

import importlib.util
import json
import platform
import random
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import torch

from .. import batches as B
from ..chunks import Chunk, chunk_file, format_doc
from ..corpus import SourceFile
from ..evaluate import encode_questions, ranks_of, retrieval_metrics, retrieval_scores, token_f1
from ..parity import torch_greedy
from ..train import compress_all
from .bm25 import BM25
from .raw_reader import RawReader, raw_greedy
from .variants import Data, Variant, build, experiment_config, log

EVAL = Path("/work/shared/eval")
SWEQA_CORPORA = ["requests", "flask", "pytest", "sphinx", "pylint", "django"]  # those `clara eval` was run on
N_HELDOUT = 400
K = 5
MARKER = re.compile(r"\[(\d+)\]")
DOCSTRING = re.compile(r'("""|\'\'\')(.*?)\1', re.S)


def extractive(code: str) -> str:
    """The chunk's docstring (first paragraph) or, without one, its first 5 non-empty lines."""
    m = DOCSTRING.search(code)
    if m and m.group(2).strip():
        return " ".join(m.group(2).strip().split("\n\n")[0].split())
    return "\n".join([ln for ln in code.split("\n") if ln.strip()][:5])


def heldout_contexts(data: Data, n: int = N_HELDOUT, seed: int = 11) -> list[dict]:
    held = data.chunks[data.n_train:]
    neg = B.NegativeSampler(held, random.Random(seed))
    rng = random.Random(seed)
    samples = list(data.held_samples)
    rng.shuffle(samples)
    out = []
    for s in samples[:n]:
        blocks = s.chunks[:K] + neg.sample(s.chunks, K - len(s.chunks[:K]))
        rng.shuffle(blocks)
        pos = [blocks.index(c) if c in blocks else None for c in s.chunks]
        out.append({"kind": s.kind, "question": s.question, "reference": B.place_markers(s.answer, pos),
                    "blocks": blocks, "gold_pos": pos[0]})
    return out


def corpus_chunks(root: Path, corpus: str) -> list[Chunk]:
    chunks: list[Chunk] = []
    for p in sorted(root.rglob("*.py")):
        rel = p.relative_to(root).as_posix()
        text = p.read_text(encoding="utf-8", errors="replace")
        chunks.extend(chunk_file(SourceFile(corpus, corpus, rel, "python", text), len(chunks)))
    return chunks


def sweqa_contexts(work: Path) -> tuple[list[dict], dict[str, list[Chunk]]]:
    rows = [json.loads(line) for line in open(EVAL / "sweqa.jsonl")]
    out, by_corpus = [], {}
    for corpus in SWEQA_CORPORA:
        root = subprocess.run([str(EVAL / "get-corpus.sh"), corpus, str(work / "corpora" / corpus)], check=True,
                              capture_output=True, text=True).stdout.strip().split("\n")[-1]
        chunks = corpus_chunks(Path(root), corpus)
        by_corpus[corpus] = chunks
        index = BM25([format_doc("{path}\n{code}", c) for c in chunks])
        for r in rows:
            if r["corpus"] == corpus:
                out.append({"id": r["id"], "corpus": corpus, "question": r["question"],
                            "blocks": index.top(r["question"], K)})
    return out, by_corpus


class Reader:
    """One variant's generator after the instruction stage, reading k blocks of token ids."""

    def __init__(self, v: Variant, work: Path, smoke: bool):
        self.v, self.cfg = v, experiment_config(v, smoke)
        ck = torch.load(work / v.name / "reader.pt", map_location="cpu", weights_only=False)
        self.models = build(self.cfg, v.reader)
        for key in ("compressor", "query", "generator"):
            getattr(self.models, key).load_state_dict(ck[key])
        self.models.compressor.eval()

    @torch.no_grad()
    def answer(self, tok, block_docs: list[list[int]], question: str) -> str:
        prompt = B.prompt_ids(tok, self.cfg, question)
        if isinstance(self.models.generator, RawReader):
            out = raw_greedy(self.models.generator, block_docs, prompt, self.cfg.max_new_tokens)
        else:
            mem = self.models.compressor(*B.doc_tensors(block_docs))  # (k, L, d)
            out = torch_greedy(self.models.generator, mem.reshape(1, -1, mem.shape[-1]), prompt,
                               self.cfg.max_new_tokens)
        return tok.decode(out)


def score_heldout(contexts: list[dict], answers: list[str]) -> dict:
    f1 = [token_f1(a, c["reference"]) for a, c in zip(answers, contexts)]
    hit = [c["gold_pos"] is not None and f"[{c['gold_pos'] + 1}]" in a for a, c in zip(answers, contexts)]
    kinds = sorted({c["kind"] for c in contexts})
    by_kind = {k: {"n": sum(c["kind"] == k for c in contexts),
                   "token_f1": round(float(np.mean([x for x, c in zip(f1, contexts) if c["kind"] == k])), 4),
                   "citation_hit": round(float(np.mean([x for x, c in zip(hit, contexts) if c["kind"] == k])), 4)}
               for k in kinds}
    return {"n": len(f1), "token_f1": round(float(np.mean(f1)), 4), "token_f1_se": _se(f1),
            "citation_hit": round(float(np.mean(hit)), 4), "by_kind": by_kind}


def _se(xs) -> float:
    """Standard error of a mean: differences smaller than ~2 se between two readers are noise."""
    return round(float(np.std(xs, ddof=1) / np.sqrt(len(xs))), 4) if len(xs) > 1 else 0.0


@torch.no_grad()
def heldout_retrieval(v: Variant, work: Path, data: Data, smoke: bool) -> dict:
    """The final query reasoner (after e2e) over an index of every chunk (train + all held-out files), every
    held-out question: more questions (all held-out files) than the pipeline's own heldout_eval (half of them)."""
    cfg = experiment_config(v, smoke)
    ck = torch.load(work / v.name / "final.pt", map_location="cpu", weights_only=False)
    models = build(cfg, v.reader)
    for key in ("compressor", "query"):
        getattr(models, key).load_state_dict(ck[key])
    index = compress_all(models.compressor, data.doc_ids)
    q = encode_questions(models.query, data.tok, [s.question for s in data.held_samples], cfg.model.query_max_tokens)
    ranks = ranks_of(retrieval_scores(q, index), [s.chunks[0] for s in data.held_samples])
    return {**retrieval_metrics(ranks), "mrr_se": _se([1.0 / r for r in ranks]), "index_chunks": len(data.doc_ids)}


def score_sweqa(contexts: list[dict], answers: list[str], cited: list[list[int]],
                by_corpus: dict[str, list[Chunk]], out_dir: Path, name: str) -> dict:
    """Writes PRED rows and scores them with the eval kit's score.py against the rows of the corpora read."""
    pred, gold = out_dir / f"sweqa.{name}.pred.jsonl", out_dir / "sweqa.gold-subset.jsonl"
    with open(pred, "w") as fh:
        for c, a, cits in zip(contexts, answers, cited):
            chunks = by_corpus[c["corpus"]]
            files = list(dict.fromkeys(chunks[i].path for i in c["blocks"]))
            spans = [[chunks[c["blocks"][j]].path, chunks[c["blocks"][j]].start_line, chunks[c["blocks"][j]].end_line]
                     for j in cits if j < len(c["blocks"])]
            fh.write(json.dumps({"id": c["id"], "files": files, "answer": a, "citations": spans}) + "\n")
    ids = {c["id"] for c in contexts}
    with open(gold, "w") as fh:
        for line in open(EVAL / "sweqa.jsonl"):
            if json.loads(line)["id"] in ids:
                fh.write(line)
    res = subprocess.run([sys.executable, str(EVAL / "tools" / "score.py"), str(gold), str(pred)], check=True,
                         capture_output=True, text=True)
    scored = json.loads(res.stdout)
    refs = {json.loads(line)["id"]: json.loads(line)["reference_answer"] for line in open(gold)}
    scored["ALL"]["answer_token_f1_se"] = _se([_kit_f1(a, refs[c["id"]]) for c, a in zip(contexts, answers)])
    return scored


def _kit_f1(pred: str, ref: str) -> float:
    """The eval kit's own token-F1 (tools/score.py), for the standard error it does not print."""
    spec = importlib.util.spec_from_file_location("evalkit_score", EVAL / "tools" / "score.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    globals()["_kit_f1"] = mod.f1
    return mod.f1(pred, ref)


def cited_blocks(answer: str) -> list[int]:
    return list(dict.fromkeys(int(m) - 1 for m in MARKER.findall(answer) if int(m) >= 1))


def measure_all(variants: list[Variant], work: Path, data: Data, results: Path, smoke: bool) -> dict:
    results.mkdir(parents=True, exist_ok=True)
    out_dir = work / "eval"
    out_dir.mkdir(parents=True, exist_ok=True)
    tok, cfg = data.tok, experiment_config(None, smoke)
    t = time.time()
    held = heldout_contexts(data)
    sweqa, by_corpus = sweqa_contexts(work)
    if smoke:  # tests: a few questions of each set
        held, sweqa = held[:12], sweqa[::40]
    sweqa_docs = {corpus: B.encode_docs(tok, chunks, cfg) for corpus, chunks in by_corpus.items()}
    log(f"contexts: {len(held)} held-out, {len(sweqa)} sweqa ({time.time() - t:.1f} s)")
    report: dict = {"heldout_fixed": {}, "sweqa": {}, "seconds": {}, "training": {}}

    # extractive baseline
    held_ext = []
    for c in held:
        texts = [data.chunks[b].code for b in c["blocks"]]
        best = BM25([format_doc("{path}\n{code}", data.chunks[b]) for b in c["blocks"]]).top(c["question"], 1)
        j = best[0] if best else 0
        held_ext.append(f"{extractive(texts[j])} [{j + 1}]")
    report["heldout_fixed"]["extractive"] = score_heldout(held, held_ext)
    sweqa_ext = [extractive(by_corpus[c["corpus"]][c["blocks"][0]].code) if c["blocks"] else "" for c in sweqa]
    report["sweqa"]["extractive"] = score_sweqa(sweqa, sweqa_ext, [[0] if c["blocks"] else [] for c in sweqa],
                                                by_corpus, out_dir, "extractive")

    for v in variants:
        if not (work / v.name / "reader.pt").exists():
            log(f"{v.name}: not trained, skipped")
            continue
        t = time.time()
        reader = Reader(v, work, smoke)
        answers = [reader.answer(tok, [data.doc_ids[b] for b in c["blocks"]], c["question"]) for c in held]
        report["heldout_fixed"][v.name] = score_heldout(held, answers)
        (out_dir / f"heldout.{v.name}.answers.json").write_text(json.dumps(answers, indent=0))
        sw = [reader.answer(tok, [sweqa_docs[c["corpus"]][b] for b in c["blocks"]], c["question"]) if c["blocks"]
              else "" for c in sweqa]
        report["sweqa"][v.name] = score_sweqa(sweqa, sw, [cited_blocks(a) for a in sw], by_corpus, out_dir, v.name)
        report["seconds"][v.name] = round(time.time() - t, 1)
        train = json.loads((work / v.name / "train.json").read_text())
        report["training"][v.name] = {k: train[k] for k in ("variant", "seconds", "load_avg_at_start",
                                                             "load_avg_at_end")}
        for k in ("heldout_before_e2e", "heldout"):
            if k in train:
                report["training"][v.name][k] = {x: train[k].get(x) for x in ("retrieval", "answer", "index_chunks")}
        if v.retrieval:
            report.setdefault("heldout_retrieval_all", {})[v.name] = heldout_retrieval(v, work, data, smoke)
        log(f"{v.name}: held-out {report['heldout_fixed'][v.name]['token_f1']}, "
            f"sweqa {report['sweqa'][v.name]['ALL'].get('answer_token_f1')} ({report['seconds'][v.name]} s)")
    report["meta"] = {"date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "torch": torch.__version__,
                      "hardware": f"{platform.machine()} CPU, {torch.get_num_threads()} thread(s), no GPU",
                      "heldout_contexts": len(held), "sweqa_questions": len(sweqa), "sweqa_corpora": SWEQA_CORPORA,
                      "k": K, "smoke": smoke}
    report = _clean(report)
    (results / "sweep.json").write_text(json.dumps(report, indent=1) + "\n")
    from .table import write_table
    write_table(report, results / "sweep.md")
    return report


def _clean(x):
    """NaN (a mean over no questions) -> None, so the results are strict JSON."""
    if isinstance(x, dict):
        return {k: _clean(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_clean(v) for v in x]
    return None if isinstance(x, float) and x != x else x
