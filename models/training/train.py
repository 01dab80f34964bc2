"""Training stages, in order: generator pretraining on code, SCP (CE + lambda*MSE), instruction (k blocks with hard
negatives), end-to-end (frozen compressor, cached memories, query reasoner + generator through straight-through top-k,
next-token loss only). Each stage checkpoints to the run directory and resumes from it."""
from __future__ import annotations

import json
import math
import random
import time
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from tokenizers import Tokenizer

from . import batches as B
from .chunks import Chunk
from .config import StageConfig, TrainConfig
from .lexical_negatives import sample_key
from .model import Generator, MemoryEncoder, SharedBackbone, flat_cosine, straight_through_topk
from .synth_python import Sample


@dataclass
class Models:
    compressor: MemoryEncoder
    query: MemoryEncoder
    generator: Generator
    # The weights the three share when cfg.model.adapter_rank > 0 (model.SharedBackbone); also inside each role.
    backbone: SharedBackbone | None = None


def build_models(cfg: TrainConfig) -> Models:
    m = cfg.model
    backbone = None
    if m.adapter_rank:
        if (m.enc_dim, m.enc_layers, m.enc_heads) != (m.gen_dim, m.gen_layers, m.gen_heads):
            raise ValueError(f"{cfg.name}: a shared backbone (adapter_rank) needs the encoder's and the generator's "
                             "width, layers and heads equal")
        backbone = SharedBackbone(m.vocab_size, m.enc_dim, m.enc_layers, m.enc_heads, m.adapter_rank)
    comp = MemoryEncoder(m.vocab_size, m.enc_dim, m.enc_layers, m.enc_heads, m.doc_max_tokens, m.mem_tokens,
                         m.lexical_dim, m.lexical_hashes, backbone)
    query = MemoryEncoder(m.vocab_size, m.enc_dim, m.enc_layers, m.enc_heads, m.doc_max_tokens, m.mem_tokens,
                          m.lexical_dim, m.lexical_hashes, backbone)
    gen = Generator(m.vocab_size, m.gen_dim, m.gen_layers, m.gen_heads, m.enc_dim, m.mem_tokens, m.max_blocks,
                    m.max_context, backbone)
    return Models(comp.to(DEVICE), query.to(DEVICE), gen.to(DEVICE), backbone)


def save_models(models: Models, path: Path, cfg: TrainConfig) -> None:
    torch.save({"config": cfg.to_dict(), "compressor": models.compressor.state_dict(),
                "query": models.query.state_dict(), "generator": models.generator.state_dict()}, path)


def load_models(path: Path, cfg: TrainConfig) -> Models:
    ck = torch.load(path, map_location="cpu", weights_only=False)
    models = build_models(cfg)
    models.compressor.load_state_dict(ck["compressor"])
    models.query.load_state_dict(ck["query"])
    models.generator.load_state_dict(ck["generator"])
    return models


class Stage:
    """Optimiser, cosine schedule, bf16 autocast where the hardware computes bf16, metrics log and resumable
    checkpoints for one stage. With a time budget (StageConfig.seconds) the schedule runs on the larger of the step
    and time fractions, and the stage ends when either is spent."""

    def __init__(self, name: str, sc: StageConfig, params: list, models: Models, run_dir: Path, cfg: TrainConfig):
        self.name, self.sc, self.models, self.run_dir, self.cfg = name, sc, models, run_dir, cfg
        # params: a list of tensors, or of {"params": [...], "lr_scale": x} groups
        groups = params if params and isinstance(params[0], dict) else [{"params": params}]
        # a shared backbone's weights are in more than one role's parameters; the optimiser takes each once
        seen: set[int] = set()
        groups = [{**g, "params": [p for p in g["params"] if not (id(p) in seen or seen.add(id(p)))]}
                  for g in groups]
        self.params = [p for g in groups for p in g["params"]]
        self.opt = torch.optim.AdamW([{"params": g["params"], "lr_scale": g.get("lr_scale", 1.0)} for g in groups],
                                     lr=sc.lr, weight_decay=0.01, betas=(0.9, 0.98))
        self.step = 0
        self.ckpt = run_dir / f"ckpt-{name}.pt"
        self.log = open(run_dir / "metrics.jsonl", "a")
        self.t0 = time.time()
        if self.ckpt.exists():
            ck = torch.load(self.ckpt, map_location=DEVICE, weights_only=False)
            for key in ("compressor", "query", "generator"):
                getattr(models, key).load_state_dict(ck[key])
            self.opt.load_state_dict(ck["opt"])
            self.step = ck["step"]

    @property
    def done(self) -> bool:
        return self.step >= self.sc.steps

    def progress(self) -> float:
        """Fraction of the stage done: of its steps, or of its time budget when that is larger."""
        by_steps = self.step / max(1, self.sc.steps)
        return max(by_steps, (time.time() - self.t0) / self.sc.seconds) if self.sc.seconds else by_steps

    def lr(self) -> float:
        if self.sc.seconds:  # the same shape as below, on progress(): 5% linear warm-up, then cosine to 10%
            t = min(1.0, self.progress())
            if t < 0.05:
                return self.sc.lr * max(t / 0.05, 1 / max(1, self.sc.steps))
            return self.sc.lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * (t - 0.05) / 0.95)))
        warm = max(1, self.sc.steps // 20)
        if self.step < warm:
            return self.sc.lr * (self.step + 1) / warm
        t = (self.step - warm) / max(1, self.sc.steps - warm)
        return self.sc.lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * t)))

    def update(self, loss: torch.Tensor, extra: dict) -> None:
        for g in self.opt.param_groups:
            g["lr"] = self.lr() * g["lr_scale"]
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.params, 1.0)
        self.opt.step()
        self.step += 1
        if self.sc.seconds and self.step < self.sc.steps and self.progress() >= 1.0:
            self.sc.steps = self.step  # budget spent: the stage ends here, and the config records the steps taken
        if self.step % 10 == 0 or self.step == self.sc.steps:
            row = {"stage": self.name, "step": self.step, "loss": round(loss.item(), 4), "lr": round(self.lr(), 6),
                   "elapsed_s": round(time.time() - self.t0, 1), **{k: round(v, 4) for k, v in extra.items()}}
            self.log.write(json.dumps(row) + "\n")
            self.log.flush()
            if self.step % 50 == 0 or self.step == self.sc.steps:
                print(json.dumps(row), flush=True)
        # a timed stage is not resumed (its budget would start again), so it saves once, at its end
        if (self.step % 200 == 0 and not self.sc.seconds) or self.step == self.sc.steps:
            self.save()

    def save(self) -> None:
        tmp = self.ckpt.with_suffix(".tmp")
        torch.save({"step": self.step, "opt": self.opt.state_dict(), "compressor": self.models.compressor.state_dict(),
                    "query": self.models.query.state_dict(), "generator": self.models.generator.state_dict()}, tmp)
        tmp.replace(self.ckpt)


DEVICE = "cuda" if torch.cuda.is_available() else "cpu"


def cpu_has_fast_bf16() -> bool:
    """Whether this CPU computes bf16 in hardware (AVX-512 BF16 or AMX). Where it does, bf16 autocast trains about
    twice as fast as fp32; where it does not, torch emulates bf16 and autocast is far slower than fp32 (an AVX2-only
    AMD EPYC here: a 512 x 512 matmul 0.44 s under autocast, 0.020 s in fp32; the generator's pretraining steps 7 s
    instead of well under one)."""
    cpu = getattr(torch, "cpu", None)
    checks = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")
    return any(getattr(cpu, name, lambda: False)() for name in checks)


if DEVICE == "cuda":
    BF16 = torch.cuda.is_bf16_supported()
    PRECISION = "bf16 autocast (CUDA)" if BF16 else "fp32 (CUDA)"
else:
    BF16 = cpu_has_fast_bf16()
    PRECISION = "bf16 autocast" if BF16 else "fp32 (this CPU has no bf16 hardware)"


def autocast():
    return torch.autocast(DEVICE, dtype=torch.bfloat16, enabled=BF16)


def gen_loss(gen, memory, inputs, labels):
    h, _ = gen(memory, inputs, return_hidden=True)  # (B, S, d)
    keep = labels != -100
    logits = gen.head(h[keep])                      # (n_labels, V): the output layer only where loss is taken
    return F.cross_entropy(logits.float(), labels[keep])


def pretrain_generator(models: Models, doc_ids: list[list[int]], cfg: TrainConfig, run_dir: Path,
                       rng: random.Random) -> None:
    """Next-token pretraining of the generator on code chunks (no memory), so it knows code tokens first."""
    st = Stage("pretrain_gen", cfg.pretrain_gen, list(models.generator.parameters()), models, run_dir, cfg)
    gen = models.generator.train()
    empty = torch.zeros(cfg.pretrain_gen.batch_size, 0, cfg.model.enc_dim)
    n = cfg.model.max_prompt_tokens + cfg.model.max_answer_tokens
    while not st.done:
        seqs = [rng.choice(doc_ids)[:n + 1] for _ in range(cfg.pretrain_gen.batch_size)]
        inputs = B.pad([s[:-1] for s in seqs])
        labels = B.pad([s[1:] for s in seqs], -100)
        with autocast():
            loss = gen_loss(gen, empty, inputs, labels)
        st.update(loss, {})


def encoder_from_generator(models: Models) -> None:
    """Copy the generator's token embedding and blocks into the compressor (cfg.encoder_from_generator): the
    compressor then starts from what next-token pretraining taught, and the two networks stay separate from here on.
    The blocks' weights serve either attention: the compressor attends both ways, the generator causally."""
    comp, gen = models.compressor, models.generator
    if models.backbone is not None:
        raise ValueError("encoder_from_generator: a shared backbone already shares these weights")
    if comp.tok.weight.shape != gen.tok.weight.shape or len(comp.blocks) != len(gen.blocks):
        raise ValueError("encoder_from_generator needs the encoder's and the generator's vocabulary, width and "
                         f"layers equal: {tuple(comp.tok.weight.shape)} x {len(comp.blocks)} vs "
                         f"{tuple(gen.tok.weight.shape)} x {len(gen.blocks)}")
    with torch.no_grad():
        comp.tok.load_state_dict(gen.tok.state_dict())
        comp.blocks.load_state_dict(gen.blocks.state_dict())


def scp(models: Models, samples: list[Sample], doc_ids: list[list[int]], tok: Tokenizer, cfg: TrainConfig,
        run_dir: Path, rng: random.Random, kinds: set[str] | None = None, multi_chunk: bool = False,
        relocated: list[list[int]] | None = None, lexical_negatives: dict[tuple, int] | None = None) -> None:
    """Salient compressor pretraining: the generator answers / paraphrases from one compressed chunk.
    Loss = CE + lambda * MSE(mean of memory states, mean of the chunk's token states).
    Options for the data-mix ablation (models/training/experiments), off by default: `kinds` keeps only those
    sample kinds; `multi_chunk` also trains on samples with several source chunks (complex QA), each chunk compressed
    into its own memory block, in order, so the answer cites [1], [2] (by default those samples never reach SCP).
    `relocated` (batches.relocated_docs): with probability cfg.path_augment a chunk is read under a moved path, so the
    compressor does not tie a chunk's memory to the exact path text it was trained with. With cfg.scp_same_repo > 0,
    that share of batches is drawn from one repository (ScpBatches). `lexical_negatives` (cfg.scp_lexical_negatives;
    sample_key -> chunk id, lexical_negatives.py) adds each question's lexical hard negative to the contrastive
    term's candidates."""
    pool = [s for s in samples if kinds is None or s.kind in kinds]
    pool = [s for s in pool if len(s.chunks) == 1 or (multi_chunk and len(s.chunks) <= cfg.model.max_blocks)]
    params = list(models.compressor.parameters()) + list(models.generator.parameters())
    st = Stage("scp", cfg.scp, params, models, run_dir, cfg)
    comp, gen = models.compressor.train(), models.generator.train()
    draw = ScpBatches(pool, cfg, rng)
    while not st.done:
        batch = draw.next()
        groups: dict[int, list[Sample]] = {}  # by number of blocks, so each group's memory prefix is rectangular
        for s in batch:
            groups.setdefault(len(s.chunks), []).append(s)
        ce = mse = torch.zeros(())
        ctr = None
        for n_blocks, group in sorted(groups.items()):
            ids, mask = B.doc_tensors([relocated[c] if relocated and rng.random() < cfg.path_augment else doc_ids[c]
                                       for s in group for c in s.chunks])
            prompts = [B.prompt_ids(tok, cfg, s.question) for s in group]
            answers = [B.answer_ids(tok, cfg, B.place_markers(s.answer, list(range(n_blocks)))) for s in group]
            inputs, labels = B.lm_batch(prompts, answers)
            with autocast():
                mem, toks = comp(ids, mask, return_tokens=True)  # (G*n_blocks, L, d), (G*n_blocks, T, d)
                g_ce = gen_loss(gen, mem.reshape(len(group), n_blocks * mem.shape[1], -1), inputs, labels)
                m = mask.unsqueeze(-1).to(toks.dtype)
                tok_mean = (toks * m).sum(1) / m.sum(1).clamp(min=1)
                g_mse = F.mse_loss(mem.float().mean(1), tok_mean.float())
            w = len(group) / len(batch)
            ce, mse = ce + w * g_ce, mse + w * g_mse
            if n_blocks == 1 and cfg.scp_contrastive > 0 and len(group) > 1:
                hard = None
                if lexical_negatives:
                    hard_ids = [h for h in (lexical_negatives.get(sample_key(s), -1) for s in group) if h >= 0]
                    if hard_ids:
                        h_ids, h_mask = B.doc_tensors([doc_ids[h] for h in hard_ids])
                        with autocast():
                            hard = (comp(h_ids, h_mask), hard_ids)
                ctr = in_batch_contrastive(comp, mem, group, tok, cfg, hard)
        loss = ce + cfg.mse_lambda * mse
        extra = {"ce": ce.item(), "mse": mse.item()}
        if ctr is not None:
            loss = loss + cfg.scp_contrastive * ctr
            extra["ctr"] = ctr.item()
        st.update(loss, extra)


class ScpBatches:
    """SCP's batches: cfg.scp.batch_size samples drawn at random from `pool`, or, with probability
    cfg.scp_same_repo, from the samples of one repository (that of a sample drawn at random, so a repository is
    chosen in proportion to its size)."""

    def __init__(self, pool: list[Sample], cfg: TrainConfig, rng: random.Random):
        self.pool, self.cfg, self.rng = pool, cfg, rng
        self.by_repo: dict[str, list[Sample]] = {}
        if cfg.scp_same_repo > 0:
            for s in pool:
                self.by_repo.setdefault(s.repo, []).append(s)

    def next(self) -> list[Sample]:
        n, rng = self.cfg.scp.batch_size, self.rng
        # rng.random() only when the option is on, so configs without it draw the batches they drew before it existed
        if self.by_repo and rng.random() < self.cfg.scp_same_repo:
            same = self.by_repo[rng.choice(self.pool).repo]
            return [rng.choice(same) for _ in range(n)]
        return [rng.choice(self.pool) for _ in range(n)]


def in_batch_contrastive(comp: MemoryEncoder, doc_mem: torch.Tensor, group: list[Sample], tok: Tokenizer,
                         cfg: TrainConfig, hard: tuple[torch.Tensor, list[int]] | None = None) -> torch.Tensor:
    """InfoNCE between each question, encoded by the compressor itself, and its chunk's memory, against the other
    chunks of the batch (flat cosine / align temperature). A deviation from CLaRa, whose compressor sees only the
    generation loss: a large pretrained LLM's memories are already discriminative, ours from scratch are not (the
    query warm-up alone left held-out retrieval near chance). The query reasoner starts as a copy of this compressor,
    so it starts where questions already land near their chunks. `hard` = (memories, chunk ids) of extra negatives
    for every question of the batch (a question's own chunk among them is masked)."""
    ids, mask = B.doc_tensors([B.question_ids(tok, s.question, cfg.model.query_max_tokens) for s in group])
    chunk_of = [s.chunks[0] for s in group]
    with autocast():
        q = comp(ids, mask)
    qn = F.normalize(q.flatten(1).float(), dim=-1)
    dn = F.normalize(doc_mem.flatten(1).float(), dim=-1)
    columns = list(chunk_of)
    if hard is not None:
        dn = torch.cat([dn, F.normalize(hard[0].flatten(1).float(), dim=-1)])
        columns += hard[1]
    logits = qn @ dn.T / cfg.align_temperature
    # the same chunk drawn twice in a batch (or as another question's hard negative) is not a negative of itself
    same = torch.tensor([[a == b for b in columns] for a in chunk_of])
    own = torch.zeros_like(same)
    own[:, :len(group)] = torch.eye(len(group), dtype=torch.bool)
    logits = logits.masked_fill(same & ~own, float("-inf"))
    return F.cross_entropy(logits, torch.arange(len(group)))


@torch.no_grad()
def compress_all(enc: MemoryEncoder, doc_ids: list[list[int]], batch: int = 64) -> torch.Tensor:
    """Memories (N, L, d) in fp32, the way the exported compressor computes them."""
    enc.eval()
    out = []
    order = sorted(range(len(doc_ids)), key=lambda i: len(doc_ids[i]))  # length-sorted: less padding
    for i in range(0, len(order), batch):
        idx = order[i:i + batch]
        ids, mask = B.doc_tensors([doc_ids[j] for j in idx])
        out.append((idx, enc(ids, mask).clone()))  # clone: the slice would keep the whole (B, T+L, d) state alive
    mem = torch.empty(len(doc_ids), enc.mem_tokens, enc.norm.weight.shape[0])
    for idx, m in out:
        mem[idx] = m
    return mem


def instruct(models: Models, samples: list[Sample], memories: torch.Tensor, neg: B.NegativeSampler,
             tok: Tokenizer, cfg: TrainConfig, run_dir: Path, rng: random.Random) -> None:
    """Questions answered from k memory blocks: the gold chunk(s) among same-repository hard negatives, in random
    order; the answer cites the gold block positions. Compressor frozen (cached memories)."""
    k = cfg.topk_k
    st = Stage("instruct", cfg.instruct, list(models.generator.parameters()), models, run_dir, cfg)
    gen = models.generator.train()
    while not st.done:
        batch = [rng.choice(samples) for _ in range(cfg.instruct.batch_size)]
        mems, prompts, answers = [], [], []
        for s in batch:
            blocks = s.chunks[:k] + neg.sample(s.chunks, k - len(s.chunks[:k]))
            rng.shuffle(blocks)
            mems.append(memories[blocks].reshape(-1, memories.shape[-1]))
            prompts.append(B.prompt_ids(tok, cfg, s.question))
            answers.append(B.answer_ids(tok, cfg, B.place_markers(
                s.answer, [blocks.index(c) if c in blocks else None for c in s.chunks])))
        inputs, labels = B.lm_batch(prompts, answers)
        with autocast():
            loss = gen_loss(gen, torch.stack(mems), inputs, labels)
        st.update(loss, {})


def end_to_end(models: Models, samples: list[Sample], memories: torch.Tensor, neg: B.NegativeSampler,
               tok: Tokenizer, cfg: TrainConfig, run_dir: Path, rng: random.Random) -> None:
    """CLaRa stage 3: no relevance labels. The query reasoner scores a pool of candidates (gold + same-repository
    hard negatives), the straight-through top-k selects k blocks in rank order, and only the generator's
    next-token loss trains the query reasoner (through the soft selection) and the generator."""
    k, n_pool = cfg.topk_k, cfg.pool_size
    # The query reasoner learns 10x slower than the generator: at the full rate the label-free loss undid the
    # warm-up's retrieval on held-out files (tiny: MRR 0.066 -> 0.040).
    params = [{"params": list(models.query.parameters()), "lr_scale": cfg.e2e_query_lr_scale},
              {"params": list(models.generator.parameters())}]
    st = Stage("e2e", cfg.e2e, params, models, run_dir, cfg)
    qenc, gen = models.query.train(), models.generator.train()
    while not st.done:
        batch = [rng.choice(samples) for _ in range(cfg.e2e.batch_size)]
        pools = []
        for s in batch:
            pool = s.chunks + neg.sample(s.chunks, n_pool - len(s.chunks))
            rng.shuffle(pool)
            pools.append(pool)
        pool_mem = memories[torch.tensor(pools)]  # (B, N, L, d)
        qids = [B.question_ids(tok, s.question, cfg.model.query_max_tokens) for s in batch]
        ids, mask = B.doc_tensors(qids)
        with autocast():
            q = qenc(ids, mask)
        scores = flat_cosine(q, pool_mem)                          # (B, N)
        z = straight_through_topk(scores, k, cfg.topk_tau)          # (B, k, N)
        chosen = z.argmax(-1).tolist()                              # hard picks, rank order
        selected = torch.einsum("bkn,bnld->bkld", z, pool_mem)     # (B, k, L, d)
        prompts, answers, hits = [], [], 0
        for s, pool, picks in zip(batch, pools, chosen):
            picked = [pool[j] for j in picks]
            pos = [picked.index(c) if c in picked else None for c in s.chunks]
            hits += pos[0] is not None
            prompts.append(B.prompt_ids(tok, cfg, s.question))
            answers.append(B.answer_ids(tok, cfg, B.place_markers(s.answer, pos)))
        inputs, labels = B.lm_batch(prompts, answers)
        with autocast():
            loss = gen_loss(gen, selected.reshape(len(batch), k * cfg.model.mem_tokens, -1), inputs, labels)
        st.update(loss, {"gold_in_topk": hits / len(batch)})


def align_query(models: Models, samples: list[Sample], memories: torch.Tensor, tok: Tokenizer, cfg: TrainConfig,
                run_dir: Path, rng: random.Random) -> None:
    """Query-reasoner warm-up (a deviation from CLaRa, measured in the model card): the copy of the compressor
    does not map questions near their chunks (Recall@10 ~ chance for models this small and young), and the
    end-to-end stage cannot learn retrieval from a pool it never hits. So before it, an InfoNCE loss over the whole
    cached index (flat cosine / temperature) pulls each synthesized question towards the chunk it was made from.
    Compressor frozen; only the query reasoner learns."""
    st = Stage("align", cfg.align, list(models.query.parameters()), models, run_dir, cfg)
    qenc = models.query.train()
    index = F.normalize(memories.flatten(1), dim=-1)  # (N, L*d)
    while not st.done:
        batch = [rng.choice(samples) for _ in range(cfg.align.batch_size)]
        ids, mask = B.doc_tensors([B.question_ids(tok, s.question, cfg.model.query_max_tokens) for s in batch])
        with autocast():
            q = qenc(ids, mask)
        qn = F.normalize(q.flatten(1).float(), dim=-1)
        logits = qn @ index.T / cfg.align_temperature  # (B, N)
        gold = torch.tensor([s.chunks[0] for s in batch])
        loss = F.cross_entropy(logits, gold)
        acc = (logits.argmax(1) == gold).float().mean().item()
        st.update(loss, {"top1": acc})
