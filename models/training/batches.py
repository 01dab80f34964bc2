"""Turning chunks and samples into padded tensors: compressor inputs, generator sequences with answer-only labels,
k-block contexts with same-repository hard negatives, and citation markers placed by block position."""
from __future__ import annotations

import dataclasses
import random
import re

import torch
from tokenizers import Tokenizer

from . import bpe
from .chunks import Chunk, format_doc
from .config import TrainConfig
from .synth_python import Sample

PAD, BOS, EOS = 0, 1, 2
MARK = re.compile(r"\s?\[#(\d+)\]")


def pad(seqs: list[list[int]], value: int = PAD) -> torch.Tensor:
    n = max(1, max(len(s) for s in seqs))
    return torch.tensor([s + [value] * (n - len(s)) for s in seqs], dtype=torch.long)


def encode_docs(tok: Tokenizer, chunks: list[Chunk], cfg: TrainConfig) -> list[list[int]]:
    texts = [format_doc(cfg.doc_template, c) for c in chunks]
    return [e.ids[: cfg.model.doc_max_tokens] for e in tok.encode_batch(texts, add_special_tokens=False)]


def question_ids(tok: Tokenizer, question: str, max_tokens: int) -> list[int]:
    """Query-reasoner input: the question's tokens, cut to the query budget; an empty question is one EOS."""
    return bpe.encode(tok, question, max_tokens) or [EOS]


# Folders a workspace may put above a package's own paths; "{source}" is the corpus source's name (npm / Debian
# package, stdlib). The product indexes workspace-relative paths, so the same file can arrive under any of these.
PATH_PREFIXES = ("src/", "lib/", "app/", "pkg/", "source/", "packages/core/", "{source}/", "{source}/src/")


def relocated_docs(tok: Tokenizer, chunks: list[Chunk], cfg: TrainConfig, seed: int) -> list[list[int]]:
    """Each chunk's compressor input with its path moved under one prefix of PATH_PREFIXES (drawn per chunk, fixed by
    `seed`), for SCP's path augmentation (cfg.path_augment)."""
    rng = random.Random(seed)
    moved = []
    for c in chunks:
        source = re.sub(r"^(npm|deb):", "", c.repo.split("/")[0]).split("@")[0]
        prefix = rng.choice(PATH_PREFIXES).replace("{source}", source)
        moved.append(dataclasses.replace(c, path=prefix + c.path))
    return encode_docs(tok, moved, cfg)


def doc_tensors(doc_ids: list[list[int]]) -> tuple[torch.Tensor, torch.Tensor]:
    ids = pad(doc_ids)
    lengths = torch.tensor([[len(d)] for d in doc_ids])
    return ids, (torch.arange(ids.shape[1]).view(1, -1) < lengths).long()


def place_markers(answer: str, positions: list[int | None]) -> str:
    """[#i] -> [n] where n = 1 + block position of source chunk i; a source that is not among the blocks loses its
    marker (the generator must not cite a block that does not hold it)."""
    def sub(m: re.Match) -> str:
        i = int(m.group(1))
        p = positions[i] if i < len(positions) else None
        return "" if p is None else f" [{p + 1}]"
    return MARK.sub(sub, answer)


def prompt_ids(tok: Tokenizer, cfg: TrainConfig, question: str) -> list[int]:
    q = tok.decode(bpe.encode(tok, question, cfg.model.max_prompt_tokens - 8)) if len(question) > 200 else question
    return bpe.encode(tok, cfg.prompt_template.replace("{question}", q))[: cfg.model.max_prompt_tokens]


def answer_ids(tok: Tokenizer, cfg: TrainConfig, answer: str) -> list[int]:
    return bpe.encode(tok, " " + answer, cfg.model.max_answer_tokens) + [EOS]


def lm_batch(prompts: list[list[int]], answers: list[list[int]]) -> tuple[torch.Tensor, torch.Tensor]:
    """Generator inputs and labels: only answer tokens (and eos) carry loss."""
    inputs, labels = [], []
    for p, a in zip(prompts, answers):
        seq = p + a
        inputs.append(seq[:-1])
        labels.append([-100] * (len(p) - 1) + a)
    return pad(inputs), pad(labels, -100)


class NegativeSampler:
    """Hard negatives: other chunks of the same file first, then of the same repository, then anywhere."""

    def __init__(self, chunks: list[Chunk], rng: random.Random):
        self.rng = rng
        self.by_file: dict[str, list[int]] = {}
        self.by_repo: dict[str, list[int]] = {}
        for c in chunks:
            self.by_file.setdefault(c.repo + "|" + c.path, []).append(c.id)
            self.by_repo.setdefault(c.repo, []).append(c.id)
        self.all = [c.id for c in chunks]
        self.chunk = {c.id: c for c in chunks}

    def sample(self, gold: list[int], n: int) -> list[int]:
        c = self.chunk[gold[0]]
        out: list[int] = []
        seen = set(gold)
        for pool, want in ((self.by_file.get(c.repo + "|" + c.path, []), n // 2),
                           (self.by_repo.get(c.repo, []), n), (self.all, n)):
            tries = 0
            while len(out) < want and tries < 4 * n:
                tries += 1
                x = self.rng.choice(pool)
                if x not in seen:
                    seen.add(x)
                    out.append(x)
        return out
