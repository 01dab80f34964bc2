"""Held-out measurements (files never trained on): retrieval Recall@k / MRR of the query reasoner over the whole
index, answer quality from the top-k retrieved memories, and the abstain threshold calibration."""
from __future__ import annotations

import random
import re

import numpy as np
import torch
from tokenizers import Tokenizer

from .batches import doc_tensors, place_markers, prompt_ids, question_ids
from .chunks import Chunk
from .config import TrainConfig
from .parity import torch_greedy
from .synth_python import Sample


@torch.no_grad()
def encode_questions(qenc, tok: Tokenizer, questions: list[str], max_tokens: int, batch: int = 64) -> torch.Tensor:
    qenc.eval()
    out = []
    for i in range(0, len(questions), batch):
        ids, mask = doc_tensors([question_ids(tok, q, max_tokens) for q in questions[i:i + batch]])
        out.append(qenc(ids, mask))
    return torch.cat(out)


def flat_normalised(mem: torch.Tensor) -> torch.Tensor:
    return torch.nn.functional.normalize(mem.flatten(1).float(), dim=-1)


def retrieval_scores(q: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    return flat_normalised(q) @ flat_normalised(index).T  # (Q, N)


def ranks_of(scores: torch.Tensor, gold: list[int]) -> list[int]:
    g = scores[torch.arange(len(gold)), torch.tensor(gold)]
    return ((scores > g.unsqueeze(1)).sum(1) + 1).tolist()


def retrieval_metrics(ranks: list[int]) -> dict[str, float]:
    r = np.array(ranks)
    return {"recall@1": round(float((r <= 1).mean()), 4), "recall@5": round(float((r <= 5).mean()), 4),
            "recall@10": round(float((r <= 10).mean()), 4), "mrr": round(float((1.0 / r).mean()), 4),
            "n": int(len(r))}


def _tokens(text: str) -> list[str]:
    return re.findall(r"\w+", re.sub(r"\[\d+\]", "", text.lower()))


def token_f1(pred: str, ref: str) -> float:
    p, r = _tokens(pred), _tokens(ref)
    common = sum(min(p.count(t), r.count(t)) for t in set(p))
    if not p or not r or common == 0:
        return 0.0
    prec, rec = common / len(p), common / len(r)
    return 2 * prec * rec / (prec + rec)


def calibrate_abstain(pos: list[float], neg: list[float]) -> tuple[float, float]:
    """Threshold maximising balanced accuracy between best scores of answerable (pos) and unanswerable (neg)
    questions; returns (threshold, balanced accuracy)."""
    cands = sorted(set(pos + neg))
    best_t, best_acc = 0.0, 0.0
    for t in cands:
        acc = 0.5 * (np.mean([p >= t for p in pos]) + np.mean([n < t for n in neg]))
        if acc > best_acc:
            best_t, best_acc = t, acc
    return round(float(best_t), 4), round(float(best_acc), 4)


def heldout_eval(models, tok: Tokenizer, cfg: TrainConfig, train_mem: torch.Tensor, held_chunks: list[Chunk],
                 held_doc_ids: dict[int, list[int]], held_samples: list[Sample], rng: random.Random,
                 n_generate: int = 60) -> dict:
    """Index = training chunks + the held-out chunks of half of the held-out files; questions about those files
    are answerable, questions about the other half are not (their code is absent)."""
    from .train import compress_all  # local: train imports evaluate-free modules only
    files = sorted({c.path for c in held_chunks})
    indexed_files = set(files[::2])
    in_idx = [c for c in held_chunks if c.path in indexed_files]
    held_mem = compress_all(models.compressor, [held_doc_ids[c.id] for c in in_idx])
    index = torch.cat([train_mem, held_mem])
    row_of = {c.id: train_mem.shape[0] + i for i, c in enumerate(in_idx)}
    pos_s = [s for s in held_samples if s.chunks[0] in row_of and all(c in row_of for c in s.chunks)]
    neg_s = [s for s in held_samples if s.chunks[0] not in row_of]
    rng.shuffle(pos_s)
    rng.shuffle(neg_s)
    pos_s, neg_s = pos_s[:600], neg_s[:600]
    result: dict = {"index_chunks": int(index.shape[0]), "answerable": len(pos_s), "unanswerable": len(neg_s)}
    if not pos_s:
        return result
    q = encode_questions(models.query, tok, [s.question for s in pos_s], cfg.model.query_max_tokens)
    scores = retrieval_scores(q, index)
    ranks = ranks_of(scores, [row_of[s.chunks[0]] for s in pos_s])
    result["retrieval"] = retrieval_metrics(ranks)
    by_kind: dict[str, list[int]] = {}
    for s, r in zip(pos_s, ranks):
        by_kind.setdefault(s.kind, []).append(r)
    result["retrieval_by_kind"] = {k: retrieval_metrics(v) for k, v in by_kind.items()}
    pos_best = scores.max(1).values.tolist()
    if neg_s:
        qn = encode_questions(models.query, tok, [s.question for s in neg_s], cfg.model.query_max_tokens)
        neg_best = retrieval_scores(qn, index).max(1).values.tolist()
        t, acc = calibrate_abstain(pos_best, neg_best)
        result["abstain"] = {"threshold": t, "balanced_accuracy": acc,
                             "method": "best flat-cosine score of held-out synthesized questions whose code is "
                                       "indexed vs. questions whose files are absent; threshold maximising balanced "
                                       "accuracy"}
    # Answers through the product pipeline: top-k retrieved memories in rank order -> greedy generation.
    f1s, cite_ok, oracle_f1 = [], [], []
    k = cfg.topk_k
    row_to_chunk = {v: c for c, v in row_of.items()}
    for s, srow in zip(pos_s[:n_generate], scores[:n_generate]):
        top = srow.topk(k).indices.tolist()
        ids = prompt_ids(tok, cfg, s.question)
        out = tok.decode(torch_greedy(models.generator, index[top].reshape(1, -1, index.shape[-1]), ids, 40))
        picked = [row_to_chunk.get(r) for r in top]
        ref = place_markers(s.answer, [picked.index(c) if c in picked else None for c in s.chunks])
        f1s.append(token_f1(out, ref))
        gold_pos = picked.index(s.chunks[0]) + 1 if s.chunks[0] in picked else None
        cite_ok.append(gold_pos is not None and f"[{gold_pos}]" in out)
        # oracle: gold chunk first, then the other retrieved blocks
        gold_row = row_of[s.chunks[0]]
        oracle = [gold_row] + [r for r in top if r != gold_row][: k - 1]
        out_o = tok.decode(torch_greedy(models.generator, index[oracle].reshape(1, -1, index.shape[-1]), ids, 40))
        oracle_f1.append(token_f1(out_o, place_markers(s.answer, [0] + [None] * (len(s.chunks) - 1))))
    result["answer"] = {"n": len(f1s), "token_f1_retrieved": round(float(np.mean(f1s)), 4),
                        "citation_hit_retrieved": round(float(np.mean(cite_ok)), 4),
                        "token_f1_oracle_first": round(float(np.mean(oracle_f1)), 4)}
    return result
