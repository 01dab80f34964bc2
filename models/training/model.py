"""The three CLaRa networks at small scale, as separate small transformers (see MODEL_CARD.md for why), or, with
ModelConfig.adapter_rank, one shared backbone with a low-rank adapter per role (the paper's form; SharedBackbone):
- MemoryEncoder: bidirectional encoder; L learned memory slots appended after the tokens; the memory is the final
  hidden states at the slots. Used twice: compressor (chunks) and query reasoner (questions, initialised from it).
- Generator: causal decoder reading k memory blocks (linear projector + block embedding) then the prompt, with a
  KV cache so one exported graph serves prefill and decoding."""
from __future__ import annotations

import copy
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

NEG = -1e4  # additive mask value; finite so bf16/fp16 stay finite and ONNX export is simple


class LoRALinear(nn.Module):
    """A shared nn.Linear plus this role's low-rank update: y = base(x) + (x A^T) B^T. B starts at zero, so a new
    adapter leaves the shared layer's output as it is; `merged` folds the update into one plain nn.Linear."""

    def __init__(self, base: nn.Linear, rank: int):
        super().__init__()
        self.base = base
        self.a = nn.Parameter(torch.randn(rank, base.in_features) / math.sqrt(base.in_features))
        self.b = nn.Parameter(torch.zeros(base.out_features, rank))

    def forward(self, x):
        return self.base(x) + (x @ self.a.to(x.dtype).T) @ self.b.to(x.dtype).T

    @torch.no_grad()
    def merged(self) -> nn.Linear:
        out = nn.Linear(self.base.in_features, self.base.out_features, bias=self.base.bias is not None)
        out.weight.copy_(self.base.weight + self.b @ self.a)
        if self.base.bias is not None:
            out.bias.copy_(self.base.bias)
        return out


class Attention(nn.Module):
    def __init__(self, dim: int, heads: int, qkv: nn.Module | None = None, out: nn.Module | None = None):
        super().__init__()
        self.heads, self.head_dim = heads, dim // heads
        self.qkv = qkv if qkv is not None else nn.Linear(dim, 3 * dim)
        self.out = out if out is not None else nn.Linear(dim, dim)

    def forward(self, x, bias, past_k=None, past_v=None):
        # x (B, N, C); bias broadcastable to (B, H, N, P+N)
        B, N, C = x.shape
        q, k, v = self.qkv(x).split(C, dim=2)
        q = q.view(B, N, self.heads, self.head_dim).transpose(1, 2)  # (B, H, N, hd)
        k = k.view(B, N, self.heads, self.head_dim).transpose(1, 2)
        v = v.view(B, N, self.heads, self.head_dim).transpose(1, 2)
        if past_k is not None:
            k = torch.cat([past_k, k], dim=2)  # (B, H, P+N, hd)
            v = torch.cat([past_v, v], dim=2)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(self.head_dim)) + bias
        att = att.softmax(dim=-1)
        y = (att @ v).transpose(1, 2).reshape(B, N, C)
        return self.out(y), k, v


class Block(nn.Module):
    def __init__(self, dim: int, heads: int, shared: Block | None = None, rank: int = 0):
        """A new block, or, with `shared`, a role's view of a shared one: the same LayerNorms and linear weights, each
        linear layer with this role's rank-`rank` adapter (LoRALinear)."""
        super().__init__()
        if shared is None:
            self.ln1, self.ln2 = nn.LayerNorm(dim), nn.LayerNorm(dim)
            self.attn = Attention(dim, heads)
            self.mlp = nn.Sequential(nn.Linear(dim, 4 * dim), nn.GELU(), nn.Linear(4 * dim, dim))
            return
        self.ln1, self.ln2 = shared.ln1, shared.ln2
        self.attn = Attention(dim, heads, LoRALinear(shared.attn.qkv, rank), LoRALinear(shared.attn.out, rank))
        self.mlp = nn.Sequential(LoRALinear(shared.mlp[0], rank), nn.GELU(), LoRALinear(shared.mlp[2], rank))

    def forward(self, x, bias, past_k=None, past_v=None):
        a, k, v = self.attn(self.ln1(x), bias, past_k, past_v)
        x = x + a
        x = x + self.mlp(self.ln2(x))
        return x, k, v


class TokenSketch(nn.Module):
    """The input's bag of tokens, each weighted by its idf, as a fixed count sketch over all L x d memory values.

    Token t adds sign(t, j) * idf(t) / sqrt(hashes) at `hashes` positions pos(t, j) drawn once from a fixed seed, so
    the inner product of two sketches is, up to hash collisions, the idf-weighted count of the tokens the two inputs
    share: the cosine of their tf-idf vectors. The sketch is scaled to unit norm and then by one learned gain, which
    sets how much it counts against the transformer's part of the memory; nothing else in it is learned. Untrained,
    such a sketch ranks the development kit's files about as well as BM25 over the same token ids
    (experiments/kit_token_bags.py); trained into the memory, it lifted retrieval no further than the learned
    lexical path (`lexical_dim`) did (docs/MODEL.md). `idf` is set from the training corpus (`set_idf`) and travels
    in the checkpoint and the ONNX file."""

    SEED = 20261127

    def __init__(self, vocab: int, width: int, hashes: int):
        super().__init__()
        g = torch.Generator(device="cpu").manual_seed(self.SEED)  # the same sketch on every device
        self.width = width
        self.register_buffer("pos", torch.randint(0, width, (vocab, hashes), generator=g, device="cpu"))
        signs = torch.randint(0, 2, (vocab, hashes), generator=g, device="cpu").float() * 2 - 1
        self.register_buffer("sign", signs / math.sqrt(hashes))
        self.register_buffer("idf", torch.ones(vocab))
        # gain sqrt(width): the norm of L x d LayerNorm outputs, so the two parts start with equal weight
        self.log_gain = nn.Parameter(torch.tensor(0.5 * math.log(width)))

    def set_idf(self, idf: torch.Tensor) -> None:
        self.idf.copy_(idf.to(self.idf.dtype))

    def fix_gain(self, gain: float) -> None:
        """Sets the gain and stops it learning (TrainConfig.query_sketch_gain); it stays a parameter, so the exported
        file and the checkpoints keep their form."""
        with torch.no_grad():
            self.log_gain.fill_(math.log(gain))
        self.log_gain.requires_grad_(False)

    def forward(self, input_ids, attention_mask):
        # (B, T) -> (B, width)
        B = input_ids.shape[0]
        weight = self.idf[input_ids] * attention_mask.to(self.idf.dtype)  # padding adds nothing
        values = (self.sign[input_ids] * weight.unsqueeze(-1)).reshape(B, -1)  # (B, T * hashes)
        out = torch.zeros(B, self.width, dtype=values.dtype, device=values.device)
        out = out.scatter_add(1, self.pos[input_ids].reshape(B, -1), values)
        return out / out.norm(dim=1, keepdim=True).clamp(min=1e-6) * self.log_gain.exp()


def token_idf(docs: list[list[int]], vocab: int) -> torch.Tensor:
    """BM25's idf of each token id over the training chunks' token ids: log(1 + (N - df + 0.5) / (df + 0.5))."""
    df = torch.zeros(vocab, dtype=torch.float64)
    for d in docs:
        df[torch.tensor(sorted(set(d)), dtype=torch.long)] += 1
    n = len(docs)
    return torch.log1p((n - df + 0.5) / (df + 0.5)).float()


class SharedBackbone(nn.Module):
    """The weights the three roles share when ModelConfig.adapter_rank > 0, as in CLaRa, where one LLM with a LoRA
    adapter per role compresses, retrieves and generates: the token embedding and the transformer blocks. Each role
    keeps its own positions, memory slots, final norm and (generator) projector and output head, and reads the
    blocks through its own adapters (Block(shared=...)). The encoder roles attend both ways and the generator
    causally, as the separate networks do, so the comparison isolates the sharing."""

    def __init__(self, vocab: int, dim: int, layers: int, heads: int, rank: int):
        super().__init__()
        self.tok = nn.Embedding(vocab, dim)
        self.blocks = nn.ModuleList([Block(dim, heads) for _ in range(layers)])
        self.rank = rank
        self.apply(_init)

    def role_blocks(self) -> nn.ModuleList:
        return nn.ModuleList([Block(b.attn.heads * b.attn.head_dim, b.attn.heads, shared=b, rank=self.rank)
                              for b in self.blocks])


class MemoryEncoder(nn.Module):
    def __init__(self, vocab: int, dim: int, layers: int, heads: int, max_tokens: int, mem_tokens: int,
                 lexical_dim: int = 0, lexical_hashes: int = 0, backbone: SharedBackbone | None = None):
        super().__init__()
        self.tok = nn.Embedding(vocab, dim)
        self.pos = nn.Embedding(max_tokens, dim)
        # Slot embeddings carry no token position, so the memory does not depend on how much padding follows.
        self.mem = nn.Parameter(torch.randn(mem_tokens, dim) * 0.02)
        self.blocks = nn.ModuleList([Block(dim, heads) for _ in range(layers)])
        self.norm = nn.LayerNorm(dim)
        self.mem_tokens = mem_tokens
        self.apply(_init)
        if backbone is not None:  # after _init, which would re-draw the shared weights
            self.tok, self.blocks = backbone.tok, backbone.role_blocks()
        # Optional lexical path (ModelConfig.lexical_dim): the bag of the input's tokens, each token a learned
        # lexical_dim vector, projected onto all L x d memory values and added to the slots. The same table encodes
        # chunks and questions, so a token both contain adds the same direction to both memories; at initialisation
        # (unit-variance rows, a projection that keeps the norm) the cosine of two bags already counts shared tokens,
        # and training learns how much each token is worth, as BM25's idf does by formula.
        self.lexical_dim = lexical_dim
        if lexical_dim:
            self.lex = nn.Embedding(vocab, lexical_dim)
            self.lex_out = nn.Linear(lexical_dim, mem_tokens * dim, bias=False)
            nn.init.normal_(self.lex.weight, std=1.0)
            nn.init.normal_(self.lex_out.weight, std=1.0 / math.sqrt(lexical_dim))
        # Optional token sketch (ModelConfig.lexical_hashes, TokenSketch), added to the memory.
        self.sketch = TokenSketch(vocab, mem_tokens * dim, lexical_hashes) if lexical_hashes else None

    def forward(self, input_ids, attention_mask, return_tokens: bool = False):
        # input_ids, attention_mask (B, T) -> memory (B, L, d) [, token states (B, T, d)]
        B, T = input_ids.shape
        pos = torch.arange(T, device=input_ids.device)
        x = self.tok(input_ids) + self.pos(pos)
        m = self.mem.unsqueeze(0).expand(B, -1, -1).to(x.dtype)
        h = torch.cat([x, m], dim=1)  # (B, T+L, d)
        keep = torch.cat([attention_mask, torch.ones(B, self.mem_tokens, dtype=attention_mask.dtype,
                                                        device=attention_mask.device)], dim=1)
        bias = (1.0 - keep.to(h.dtype)).view(B, 1, 1, -1) * NEG
        for blk in self.blocks:
            h, _, _ = blk(h, bias)
        h = self.norm(h)
        mem = h[:, T:]
        if self.lexical_dim:
            keep_tok = attention_mask.to(x.dtype).unsqueeze(-1)  # (B, T, 1): padding adds nothing
            count = keep_tok.sum(dim=1).clamp(min=1.0)
            bag = (self.lex(input_ids).to(x.dtype) * keep_tok).sum(dim=1) / count.sqrt()  # (B, lexical_dim)
            mem = mem + self.lex_out(bag).view(B, self.mem_tokens, -1)
        if self.sketch is not None:
            mem = mem + self.sketch(input_ids, attention_mask).view(B, self.mem_tokens, -1).to(mem.dtype)
        return (mem, h[:, :T]) if return_tokens else mem


class Generator(nn.Module):
    def __init__(self, vocab: int, dim: int, layers: int, heads: int, enc_dim: int, mem_tokens: int,
                 max_blocks: int, max_context: int, backbone: SharedBackbone | None = None):
        super().__init__()
        self.tok = nn.Embedding(vocab, dim)
        self.pos = nn.Embedding(max_context, dim)
        self.proj = nn.Linear(enc_dim, dim)           # memory space -> generator width
        self.block_emb = nn.Embedding(max_blocks, dim)  # which block is [1], [2], ...
        self.blocks = nn.ModuleList([Block(dim, heads) for _ in range(layers)])
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, vocab, bias=False)
        self.mem_tokens, self.layers, self.heads, self.head_dim = mem_tokens, layers, heads, dim // heads
        self.apply(_init)
        if backbone is not None:
            self.tok, self.blocks = backbone.tok, backbone.role_blocks()

    def forward(self, memory, input_ids, past: list[tuple[torch.Tensor, torch.Tensor]] | None = None,
                return_hidden: bool = False):
        # memory (B, M, d_enc), input_ids (B, S), past[i] = (k, v) each (B, H, P, hd)
        # -> logits (B, S, V), present list of (B, H, P+M+S, hd)
        B, M, _ = memory.shape
        P = past[0][0].shape[2] if past else 0
        dev = input_ids.device
        blk_ids = torch.div(torch.arange(M, device=dev), self.mem_tokens, rounding_mode="floor")
        mem = self.proj(memory) + self.block_emb(blk_ids)
        x = torch.cat([mem.to(self.tok.weight.dtype), self.tok(input_ids)], dim=1)  # (B, M+S, d)
        x, present = self.decode(x, past, P)
        h = self.norm(x[:, M:])
        if return_hidden:  # training applies the (vocab-sized, costly) head only where a label is
            return h, present
        return self.head(h), present

    def decode(self, x: torch.Tensor, past: list[tuple[torch.Tensor, torch.Tensor]] | None, P: int):
        """Positions P.. added to the embedded sequence x (B, N, d), then the causal blocks over the cache:
        -> hidden states (B, N, d) and the present (k, v) of every layer."""
        N = x.shape[1]
        qpos = torch.arange(N, device=x.device) + P
        x = x + self.pos(qpos)
        kpos = torch.arange(P + N, device=x.device)
        bias = (kpos.view(1, -1) > qpos.view(-1, 1)).to(x.dtype) * NEG  # (N, P+N) causal
        present = []
        for i, blk in enumerate(self.blocks):
            pk, pv = past[i] if past else (None, None)
            x, k, v = blk(x, bias, pk, pv)
            present.append((k, v))
        return x, present


def without_adapters(module: nn.Module) -> nn.Module:
    """A standalone copy of a role's network with each adapter folded into its linear layer (LoRALinear.merged):
    the plain MemoryEncoder or Generator that the bundle exports, computing what the role computes."""
    out = copy.deepcopy(module)
    for parent in list(out.modules()):
        for name, child in list(parent.named_children()):
            if isinstance(child, LoRALinear):
                setattr(parent, name, child.merged().to(child.base.weight.device))
    return out


def _init(m: nn.Module) -> None:
    if isinstance(m, nn.Linear):
        nn.init.normal_(m.weight, std=0.02)
        if m.bias is not None:
            nn.init.zeros_(m.bias)
    elif isinstance(m, nn.Embedding):
        nn.init.normal_(m.weight, std=0.02)


def flat_cosine(q: torch.Tensor, mems: torch.Tensor) -> torch.Tensor:
    """Retrieval score: cosine of flattened memories. q (B, L, d), mems (B, N, L, d) -> (B, N)."""
    qf = F.normalize(q.flatten(1).float(), dim=-1)
    mf = F.normalize(mems.flatten(2).float(), dim=-1)
    return torch.einsum("bf,bnf->bn", qf, mf)


def straight_through_topk(scores: torch.Tensor, k: int, tau: float) -> torch.Tensor:
    """CLaRa's differentiable top-k: (B, N) scores -> Z (B, k, N); forward is an exact hard selection in rank
    order, the gradient flows through the tempered softmax."""
    s = scores / tau
    taken = torch.zeros_like(s)
    picks = []
    for _ in range(k):
        # CLaRa writes the exclusion as log(1 - SG(taken) + 1e-8) = -18.4, which does not exclude a taken item when
        # scores differ by more than 18.4 * tau (0.37 in cosine at tau = 0.02): it could be picked twice. A large
        # finite penalty is the limit of that formula and always excludes.
        soft = torch.softmax(s + NEG * taken.detach(), dim=-1)
        hard = F.one_hot(soft.argmax(dim=-1), s.shape[-1]).to(s.dtype)
        picks.append(hard + soft - soft.detach())
        taken = taken + hard
    return torch.stack(picks, dim=1)
