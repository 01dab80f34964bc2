"""The 1x baseline of the compression sweep: the same generator reading the RAW TEXT tokens of the chunks instead of
their memory vectors. Each block's tokens get the block embedding of its position (how it knows which block is [n]),
exactly as the memory reader's memory slots do; then the prompt and the answer follow in one causal sequence.

Training mirrors the memory reader stage by stage, with the same samples, steps, batch sizes and learning rates:
'scp' = answer from one raw chunk (CE only: there is no compressor, so no MSE term), 'instruct' = k raw blocks
(gold + the same hard negatives), the answer cites the block positions."""
from __future__ import annotations

import random
from pathlib import Path

import torch
import torch.nn.functional as F
from tokenizers import Tokenizer

from .. import batches as B
from ..config import TrainConfig
from ..model import Generator
from ..synth_python import Sample
from ..train import Models, Stage, autocast


class RawReader(Generator):
    """A Generator whose prefix is token ids (with a block id per token) instead of projected memory vectors.
    Same parameters as Generator (its `proj` is unused), so it starts from the same pretrained weights."""

    def forward(self, memory, input_ids, past=None, return_hidden: bool = False, block_ids=None):
        # memory (B, 0, d) always (the text is in input_ids); input_ids (B, S); block_ids (B, S), -1 = not a block
        P = past[0][0].shape[2] if past else 0
        x = self.tok(input_ids)  # (B, S, d)
        if block_ids is not None:
            blk = self.block_emb(block_ids.clamp(min=0)) * (block_ids >= 0).unsqueeze(-1).to(x.dtype)
            x = x + blk
        x, present = self.decode(x, past, P)
        h = self.norm(x)
        if return_hidden:
            return h, present
        return self.head(h), present


def block_prefix(doc_ids: list[list[int]], blocks: list[int]) -> tuple[list[int], list[int]]:
    """Token ids of the blocks in order, and the block position of every token."""
    ids, blk = [], []
    for j, c in enumerate(blocks):
        ids += doc_ids[c]
        blk += [j] * len(doc_ids[c])
    return ids, blk


def raw_batch(prefixes: list[tuple[list[int], list[int]]], prompts: list[list[int]], answers: list[list[int]]):
    """One causal sequence per example: blocks, prompt, answer; labels on the answer only; right padding."""
    inputs, labels, blocks = [], [], []
    for (ids, blk), p, a in zip(prefixes, prompts, answers):
        seq = ids + p + a
        inputs.append(seq[:-1])
        labels.append([-100] * (len(ids) + len(p) - 1) + a)
        blocks.append((blk + [-1] * len(seq))[: len(seq) - 1])
    return B.pad(inputs), B.pad(labels, -100), B.pad(blocks, -1)


def raw_loss(gen: RawReader, inputs, labels, blocks) -> torch.Tensor:
    h, _ = gen(inputs.new_zeros(0), inputs, return_hidden=True, block_ids=blocks)
    keep = labels != -100
    return F.cross_entropy(gen.head(h[keep]).float(), labels[keep])


def raw_scp(models: Models, samples: list[Sample], doc_ids: list[list[int]], tok: Tokenizer, cfg: TrainConfig,
            run_dir: Path, rng: random.Random) -> None:
    """The raw reader's counterpart of SCP (the default data: single-chunk samples of every kind)."""
    single = [s for s in samples if len(s.chunks) == 1]
    st = Stage("scp", cfg.scp, list(models.generator.parameters()), models, run_dir, cfg)
    gen = models.generator.train()
    while not st.done:
        batch = [rng.choice(single) for _ in range(cfg.scp.batch_size)]
        prefixes = [block_prefix(doc_ids, s.chunks) for s in batch]
        prompts = [B.prompt_ids(tok, cfg, s.question) for s in batch]
        answers = [B.answer_ids(tok, cfg, B.place_markers(s.answer, [0])) for s in batch]
        with autocast():
            loss = raw_loss(gen, *raw_batch(prefixes, prompts, answers))
        st.update(loss, {"ce": loss.item()})


def raw_instruct(models: Models, samples: list[Sample], doc_ids: list[list[int]], neg: B.NegativeSampler,
                 tok: Tokenizer, cfg: TrainConfig, run_dir: Path, rng: random.Random) -> None:
    """train.instruct with raw text blocks: same sampling of gold + hard negatives, same shuffling."""
    k = cfg.topk_k
    st = Stage("instruct", cfg.instruct, list(models.generator.parameters()), models, run_dir, cfg)
    gen = models.generator.train()
    while not st.done:
        batch = [rng.choice(samples) for _ in range(cfg.instruct.batch_size)]
        prefixes, prompts, answers = [], [], []
        for s in batch:
            blocks = s.chunks[:k] + neg.sample(s.chunks, k - len(s.chunks[:k]))
            rng.shuffle(blocks)
            prefixes.append(block_prefix(doc_ids, blocks))
            prompts.append(B.prompt_ids(tok, cfg, s.question))
            answers.append(B.answer_ids(tok, cfg, B.place_markers(
                s.answer, [blocks.index(c) if c in blocks else None for c in s.chunks])))
        with autocast():
            loss = raw_loss(gen, *raw_batch(prefixes, prompts, answers))
        st.update(loss, {})


@torch.no_grad()
def raw_greedy(gen: RawReader, block_docs: list[list[int]], prompt: list[int], max_new: int) -> list[int]:
    """Greedy decoding with the KV cache: prefill blocks + prompt, then one token at a time."""
    gen.eval()
    ids, blk = block_prefix(block_docs, list(range(len(block_docs))))
    seq = torch.tensor([ids + prompt])
    blocks = torch.tensor([blk + [-1] * len(prompt)])
    logits, past = gen(seq.new_zeros(0), seq, block_ids=blocks)
    out: list[int] = []
    for _ in range(max_new):
        nxt = int(logits[0, -1].argmax())
        if nxt == B.EOS:
            break
        out.append(nxt)
        logits, past = gen(seq.new_zeros(0), torch.tensor([[nxt]]), past)
    return out
