"""Lexical hard negatives for SCP's contrastive term: for each question, the chunk that BM25 over token ids ranks
first among the chunks it was not made from. Those are the chunks a lexical index confuses with the answer, which is
where a memory ranking fused with one (the product's retrieve()) can add something; random in-batch negatives are
mostly another library or language and teach nothing about them.

BM25 (k1 1.2, b 0.75) over the ids the networks read: a chunk's first doc_max_tokens ids, a question's first
query_max_tokens; a question's terms count once. Scored as one sparse matrix product per batch of questions, since
experiments/bm25.py (one dictionary walk per question) would take far longer for the ~80k questions of a run."""
from __future__ import annotations

import math

import torch

from . import batches as B

K1, LENGTH_B = 1.2, 0.75


def bm25_matrix(doc_ids: list[list[int]], vocab: int) -> torch.Tensor:
    """Sparse (N, vocab) matrix of each document term's BM25 weight."""
    rows, cols, tf = [], [], []
    for i, ids in enumerate(doc_ids):
        counts: dict[int, int] = {}
        for t in ids:
            counts[t] = counts.get(t, 0) + 1
        for t, f in counts.items():
            rows.append(i)
            cols.append(t)
            tf.append(f)
    n = len(doc_ids)
    lengths = torch.tensor([len(d) for d in doc_ids], dtype=torch.float32)
    avg = max(float(lengths.mean()), 1.0) if n else 1.0
    row_t, col_t, tf_t = torch.tensor(rows), torch.tensor(cols), torch.tensor(tf, dtype=torch.float32)
    df = torch.bincount(col_t, minlength=vocab).float()
    idf = torch.log(1 + (n - df + 0.5) / (df + 0.5))
    norm = K1 * (1 - LENGTH_B + LENGTH_B * lengths[row_t] / avg)
    weight = idf[col_t] * tf_t * (K1 + 1) / (tf_t + norm)
    coo = torch.sparse_coo_tensor(torch.stack([row_t, col_t]), weight, (n, vocab), check_invariants=True)
    return coo.coalesce()


def lexical_negatives(doc_ids: list[list[int]], questions: list[list[int]], gold: list[list[int]], vocab: int,
                      batch: int = 1024) -> list[int]:
    """For question i, the index of the best-scoring document not in gold[i] (-1 if no document shares a term)."""
    docs = bm25_matrix(doc_ids, vocab)
    out: list[int] = []
    for start in range(0, len(questions), batch):
        part = questions[start:start + batch]
        q = torch.zeros(vocab, len(part))
        for j, ids in enumerate(part):
            q[list(set(ids)), j] = 1.0
        scores = (docs @ q).T  # (b, N)
        for j in range(len(part)):
            scores[j, gold[start + j]] = -math.inf
        best = scores.max(dim=1)
        out += [int(i) if v > 0 else -1 for v, i in zip(best.values.tolist(), best.indices.tolist())]
    return out


def sample_key(s) -> tuple:
    """What identifies a sample (synth_python.Sample) here: its question and source chunks."""
    return (s.question, tuple(s.chunks))


def sample_negatives(samples: list, train_doc_ids: list[list[int]], tok, query_max_tokens: int,
                     vocab: int) -> dict[tuple, int]:
    """sample_key -> lexical hard negative (a training chunk id) of every single-chunk sample that has one."""
    single = [s for s in samples if len(s.chunks) == 1]
    questions = [B.question_ids(tok, s.question, query_max_tokens) for s in single]
    found = lexical_negatives(train_doc_ids, questions, [s.chunks for s in single], vocab)
    return {sample_key(s): h for s, h in zip(single, found) if h >= 0}
