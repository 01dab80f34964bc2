"""Lexical hard negatives (lexical_negatives.py) and SCP's contrastive term with them."""
import math
import random

import torch

from models.training.config import TrainConfig, tiny
from models.training.lexical_negatives import bm25_matrix, lexical_negatives, sample_key, sample_negatives
from models.training.model import MemoryEncoder
from models.training.synth_python import Sample
from models.training.train import in_batch_contrastive


def test_bm25_weights_rare_terms_higher_and_saturate():
    w = bm25_matrix([[5, 5, 7], [5, 8], [5, 9, 9, 9, 9]], vocab=10).to_dense()
    assert w[0, 7] > w[0, 5] > 0  # 5 is in every document, 7 in one
    assert w[2, 9] < 4 * w[1, 8]  # term frequency saturates
    assert w[1, 7] == 0


def test_negative_is_the_best_lexical_match_that_is_not_gold():
    docs = [[10, 11, 12], [10, 11, 13], [20, 21], [10, 30]]
    got = lexical_negatives(docs, questions=[[10, 11], [20, 21], [40]], gold=[[0], [2], [1]], vocab=50)
    assert got[0] == 1  # shares both terms; doc 0 is the question's own
    assert got[1] == -1  # nothing else shares a term with it
    assert got[2] == -1
    # batching does not change the answer
    assert lexical_negatives(docs, [[10, 11], [20, 21], [40]], [[0], [2], [1]], vocab=50, batch=1) == got


class CharTokenizer:  # one token per character, enough for bpe.encode
    def encode(self, text, add_special_tokens=False):
        return type("Encoding", (), {"ids": [3 + ord(ch) % 200 for ch in text]})()


def test_sample_negatives_cover_single_chunk_samples_only():
    docs = [[3 + ord(c) % 200 for c in text] for text in ("alpha beta", "alpha gamma", "delta")]
    one = Sample("simple", "python", "alpha beta", "a", [0], "r")
    two = Sample("complex", "python", "alpha", "a", [0, 1], "r")
    got = sample_negatives([one, two], docs, CharTokenizer(), 64, 256)
    assert got == {sample_key(one): 1}


def test_contrastive_with_hard_negatives_masks_a_questions_own_chunk():
    torch.manual_seed(0)
    enc = MemoryEncoder(300, 32, 1, 4, 64, 4).eval()
    cfg: TrainConfig = tiny()
    group = [Sample("simple", "python", "q one", "a", [1], "r"), Sample("simple", "python", "q two", "a", [2], "r")]

    doc_mem = torch.randn(2, 4, 32)
    base = in_batch_contrastive(enc, doc_mem, group, CharTokenizer(), cfg)
    # chunk 1 (question one's own) offered as question two's hard negative: masked for question one, a negative for
    # question two; chunk 7 a negative for both
    hard = (torch.stack([doc_mem[0], torch.randn(4, 32)]), [1, 7])
    with_hard = in_batch_contrastive(enc, doc_mem, group, CharTokenizer(), cfg, hard)
    assert math.isfinite(with_hard.item()) and with_hard.item() > base.item()
