"""The compression-rate experiment's config is the shipped one with L = 64 memories per chunk, nothing else."""
import dataclasses

import torch

from models.training.config import get_config
from models.training.model import MemoryEncoder


def test_cr4_config_differs_from_the_shipped_one_in_the_compression_rate_alone():
    shipped, cr4 = (dataclasses.asdict(get_config(n)) for n in ("tiny-broad-long", "tiny-broad-long-cr4"))
    assert {k for k in shipped if shipped[k] != cr4[k]} == {"name", "model"}
    changed = {k for k in shipped["model"] if shipped["model"][k] != cr4["model"][k]}
    assert changed == {"compression_rate"}
    assert (shipped["model"]["compression_rate"], cr4["model"]["compression_rate"]) == (16, 4)


def test_cr4_compressor_writes_64_memories_per_chunk():
    m = get_config("tiny-broad-long-cr4").model
    assert m.mem_tokens == 64
    enc = MemoryEncoder(m.vocab_size, m.enc_dim, m.enc_layers, m.enc_heads, m.doc_max_tokens, m.mem_tokens)
    ids = torch.randint(3, m.vocab_size, (2, 40))
    mem = enc(ids, torch.ones_like(ids))
    assert mem.shape == (2, 64, m.enc_dim)
