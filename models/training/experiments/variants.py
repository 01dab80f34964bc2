"""The experiment variants of the compression sweep and the SCP data-mix ablation, and how each one is trained.

Every variant is the `tiny` config with one thing changed, trained from the same prepared data (corpus, tokenizer,
samples) and the same pretrained generator (stage 1 is run once and shared), with seed 1234 for everything after it,
and once more with seed 2 (the `-seed2` variants). Stages run to the end of the instruction stage for every variant
(that is the reader (a) measures); variants with `retrieval` also run the query warm-up and the end-to-end stage, as
the shipped pipeline does, for (b)."""
from __future__ import annotations

import dataclasses
import json
import os
import random
import time
from dataclasses import dataclass
from pathlib import Path

import torch

from .. import batches as B
from .. import bpe
from ..chunks import Chunk
from ..config import TrainConfig, tiny
from ..evaluate import heldout_eval
from ..model import Generator, MemoryEncoder
from ..prepare import load_jsonl, prepare
from ..synth_python import Sample
from ..train import Models, align_query, compress_all, end_to_end, instruct, pretrain_generator, save_models, scp
from .raw_reader import RawReader, raw_instruct, raw_scp

SCP_KINDS_ALL = ("simple", "complex", "paraphrase", "nlq")


@dataclass(frozen=True)
class Variant:
    name: str
    reader: str = "memory"                      # memory | raw (the 1x baseline: raw chunk tokens)
    compression_rate: int = 16
    scp_kinds: tuple[str, ...] | None = None    # None: the shipped SCP data (every single-chunk sample)
    scp_multi_chunk: bool = False               # complex QA (two chunks) also reaches SCP
    retrieval: bool = False                     # also warm-up + e2e stages and held-out retrieval
    scp_contrastive: float = 0.0                # weight of SCP's in-batch InfoNCE term (train.scp); the sweep and
                                                # ablation ran without it, so 0 here keeps them reproducible
    path_augment: float = 0.0                   # SCP reads a chunk under a moved path this often (train.scp)
    steps_scale: float = 1.0                    # SCP and warm-up steps times this (same batch sizes)
    reader_steps_scale: float = 1.0             # instruction and end-to-end steps times this (the generator's
                                                # training on k-block answers)
    seed: int = 1234                            # everything after the shared generator pretraining


VARIANTS = [
    Variant("cr16", compression_rate=16, retrieval=True),
    Variant("raw", reader="raw"),
    Variant("cr4", compression_rate=4),
    Variant("cr32", compression_rate=32),
    Variant("mix-s", scp_kinds=("simple",), scp_multi_chunk=True, retrieval=True),
    Variant("mix-sc", scp_kinds=("simple", "complex"), scp_multi_chunk=True, retrieval=True),
    Variant("mix-scp", scp_kinds=("simple", "complex", "paraphrase"), scp_multi_chunk=True, retrieval=True),
    Variant("ctr", scp_contrastive=1.0, retrieval=True),
    Variant("ctr-w3", scp_contrastive=3.0, retrieval=True),
    Variant("ctr-path", scp_contrastive=1.0, path_augment=0.5, retrieval=True),
    Variant("ctr-x2", scp_contrastive=1.0, steps_scale=2.0, retrieval=True),
    Variant("ctr-long", scp_contrastive=1.0, steps_scale=4.0, reader_steps_scale=8.0, retrieval=True),
    Variant("ctr-reader8", scp_contrastive=1.0, reader_steps_scale=8.0, retrieval=True),
]
# A second seed of every variant (compressor init, sample order, negatives): the spread between the two is the
# training noise the differences between variants have to beat.
SEED2 = 2
VARIANTS += [dataclasses.replace(v, name=f"{v.name}-seed{SEED2}", seed=SEED2) for v in VARIANTS]
BY_NAME = {v.name: v for v in VARIANTS}


def experiment_config(v: Variant | None, smoke: bool = False) -> TrainConfig:
    """tiny with the variant's change; `smoke` (tests only) cuts every stage to 2 steps."""
    cfg = tiny()
    if v is not None:
        cfg.name = f"tiny-{v.name}"
        cfg.model.compression_rate = v.compression_rate
        cfg.seed = v.seed
        cfg.scp_contrastive = v.scp_contrastive
        cfg.path_augment = v.path_augment
        cfg.scp.steps = round(cfg.scp.steps * v.steps_scale)
        cfg.align.steps = round(cfg.align.steps * v.steps_scale)
        cfg.instruct.steps = round(cfg.instruct.steps * v.reader_steps_scale)
        cfg.e2e.steps = round(cfg.e2e.steps * v.reader_steps_scale)
    if smoke:
        for st in ("pretrain_gen", "scp", "instruct", "align", "e2e"):
            getattr(cfg, st).steps = 2
    return cfg


def shared_context(cfg: TrainConfig) -> int:
    """Generator positions for every variant: enough for k raw 256-token blocks + prompt + answer, so all readers
    start from one pretrained generator (memory readers use the first positions only)."""
    m = cfg.model
    need = m.max_blocks * m.doc_max_tokens + m.max_prompt_tokens + m.max_answer_tokens + 1
    return ((need + 63) // 64) * 64


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S', time.gmtime())}] {msg}", flush=True)


@dataclass
class Data:
    tok: object
    chunks: list[Chunk]
    samples: list[Sample]
    held_samples: list[Sample]
    n_train: int
    doc_ids: list[list[int]]


def load_data(shared: Path, cache: Path) -> Data:
    cfg = tiny()
    if not (shared / "data_info.json").exists():
        log("preparing corpus, tokenizer and SCP data (the tiny config's)")
        prepare(cfg, shared, cache)
    info = json.loads((shared / "data_info.json").read_text())
    tok = bpe.load_tokenizer(shared / "tokenizer" / "tokenizer.json")
    chunks = load_jsonl(shared / "chunks.jsonl", Chunk)
    return Data(tok, chunks, load_jsonl(shared / "samples.jsonl", Sample),
                load_jsonl(shared / "heldout_samples.jsonl", Sample), info["chunks"]["train"],
                B.encode_docs(tok, chunks, cfg))


def build(cfg: TrainConfig, reader: str) -> Models:
    m = cfg.model
    torch.manual_seed(cfg.seed)
    comp = MemoryEncoder(m.vocab_size, m.enc_dim, m.enc_layers, m.enc_heads, m.doc_max_tokens, m.mem_tokens)
    query = MemoryEncoder(m.vocab_size, m.enc_dim, m.enc_layers, m.enc_heads, m.doc_max_tokens, m.mem_tokens)
    cls = RawReader if reader == "raw" else Generator
    gen = cls(m.vocab_size, m.gen_dim, m.gen_layers, m.gen_heads, m.enc_dim, m.mem_tokens, m.max_blocks,
              shared_context(cfg))
    return Models(comp, query, gen)


def pretrained_generator(shared: Path, data: Data, smoke: bool = False) -> dict:
    """Stage 1 once for all variants (it does not involve the compressor or the compression rate)."""
    path = shared / "pretrain_gen.pt"
    if not path.exists():
        cfg = experiment_config(None, smoke)
        models = build(cfg, "memory")
        t = time.time()
        pretrain_generator(models, data.doc_ids[:data.n_train], cfg, shared, random.Random(cfg.seed))
        torch.save(models.generator.state_dict(), path)
        log(f"shared generator pretraining: {time.time() - t:.1f} s")
    return torch.load(path, map_location="cpu")


def train_variant(v: Variant, shared: Path, run_dir: Path, data: Data, smoke: bool = False) -> dict:
    """Trains one variant (resumable per stage); writes train.json and final.pt under run_dir."""
    if (run_dir / "train.json").exists():
        return json.loads((run_dir / "train.json").read_text())
    run_dir.mkdir(parents=True, exist_ok=True)
    cfg = experiment_config(v, smoke)
    (run_dir / "variant.json").write_text(json.dumps({"variant": dataclasses.asdict(v), "config": cfg.to_dict()},
                                                     indent=2) + "\n")
    gen_state = pretrained_generator(shared, data, smoke)
    models = build(cfg, v.reader)
    models.generator.load_state_dict(gen_state)
    rng = random.Random(cfg.seed)
    train_chunks = data.chunks[:data.n_train]
    neg = B.NegativeSampler(train_chunks, rng)
    seconds: dict[str, float] = {}
    load0 = os.getloadavg()[0]
    t = time.time()
    if v.reader == "raw":
        raw_scp(models, data.samples, data.doc_ids, data.tok, cfg, run_dir, rng)
        seconds["scp_s"] = round(time.time() - t, 1)
        t = time.time()
        raw_instruct(models, data.samples, data.doc_ids, neg, data.tok, cfg, run_dir, rng)
        seconds["instruct_s"] = round(time.time() - t, 1)
    else:
        relocated = B.relocated_docs(data.tok, data.chunks, cfg, cfg.seed) if v.path_augment > 0 else None
        scp(models, data.samples, data.doc_ids, data.tok, cfg, run_dir, rng,
            kinds=set(v.scp_kinds) if v.scp_kinds else None, multi_chunk=v.scp_multi_chunk, relocated=relocated)
        seconds["scp_s"] = round(time.time() - t, 1)
        models.query.load_state_dict(models.compressor.state_dict())
        memories = compress_all(models.compressor, data.doc_ids[:data.n_train])
        t = time.time()
        instruct(models, data.samples, memories, neg, data.tok, cfg, run_dir, rng)
        seconds["instruct_s"] = round(time.time() - t, 1)
    save_models(models, run_dir / "reader.pt", cfg)  # the reader (a) measures: after the instruction stage
    result: dict = {"variant": dataclasses.asdict(v), "seconds": seconds, "load_avg_at_start": round(load0, 2)}
    if v.retrieval:
        held_chunks = data.chunks[data.n_train:]
        held_ids = {c.id: data.doc_ids[c.id] for c in held_chunks}
        t = time.time()
        align_query(models, data.samples, memories, data.tok, cfg, run_dir, rng)
        seconds["align_s"] = round(time.time() - t, 1)
        pre = heldout_eval(models, data.tok, cfg, memories, held_chunks, held_ids, data.held_samples,
                           random.Random(7), n_generate=0)
        t = time.time()
        end_to_end(models, data.samples, memories, neg, data.tok, cfg, run_dir, rng)
        seconds["e2e_s"] = round(time.time() - t, 1)
        save_models(models, run_dir / "final.pt", cfg)
        post = heldout_eval(models, data.tok, cfg, memories, held_chunks, held_ids, data.held_samples,
                            random.Random(7))
        result["heldout_before_e2e"], result["heldout"] = pre, post
    result["load_avg_at_end"] = round(os.getloadavg()[0], 2)
    (run_dir / "train.json").write_text(json.dumps(result, indent=2) + "\n")
    log(f"{v.name}: {json.dumps(result)}")
    return result
