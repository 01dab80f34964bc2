"""The compressor started from the pretrained generator's weights (TrainConfig.encoder_from_generator): the ablation
that tells a shared backbone's sharing apart from its pretrained start."""
import dataclasses

import pytest
import torch

from models.training.config import get_config
from models.training.model import Generator, MemoryEncoder
from models.training.train import Models, build_models, encoder_from_generator

V, D, L = 300, 32, 4


def separate_models(enc_layers=2, enc_dim=D):
    torch.manual_seed(0)
    comp = MemoryEncoder(V, enc_dim, enc_layers, 4, 64, L)
    query = MemoryEncoder(V, enc_dim, enc_layers, 4, 64, L)
    gen = Generator(V, D, 2, 4, enc_dim, L, 5, 128)
    return Models(comp, query, gen, None)


def test_the_compressor_starts_as_the_generator_and_then_learns_apart():
    models = separate_models()
    comp, gen = models.compressor, models.generator
    ids = torch.randint(3, V, (2, 9))
    mask = torch.ones_like(ids)
    before = comp(ids, mask).detach()
    slots, positions = comp.mem.detach().clone(), comp.pos.weight.detach().clone()
    encoder_from_generator(models)
    assert torch.equal(comp.tok.weight, gen.tok.weight)
    for mine, theirs in zip(comp.blocks.state_dict().values(), gen.blocks.state_dict().values()):
        assert torch.equal(mine, theirs)
    assert not torch.allclose(comp(ids, mask), before, atol=1e-3)
    # what the generator has no counterpart of stays the compressor's own
    assert torch.equal(comp.mem, slots) and torch.equal(comp.pos.weight, positions)
    # copies, not the same tensors: training the generator later does not move the compressor
    with torch.no_grad():
        gen.tok.weight.add_(1.0)
        gen.blocks[0].attn.qkv.weight.add_(1.0)
    assert not torch.equal(comp.tok.weight, gen.tok.weight)
    assert not torch.equal(comp.blocks[0].attn.qkv.weight, gen.blocks[0].attn.qkv.weight)


def test_shapes_that_differ_or_a_shared_backbone_are_refused():
    with pytest.raises(ValueError, match="layers equal"):
        encoder_from_generator(separate_models(enc_layers=3))
    cfg = get_config("tiny-broad-short-shared")
    cfg.model.vocab_size, cfg.model.enc_dim, cfg.model.gen_dim = V, D, D
    with pytest.raises(ValueError, match="shared backbone"):
        encoder_from_generator(build_models(cfg))


def test_the_ablation_differs_from_its_baseline_in_the_start_alone():
    init, short = get_config("tiny-broad-short-init"), get_config("tiny-broad-short")
    assert init.encoder_from_generator and not short.encoder_from_generator
    changed = {k for k, v in dataclasses.asdict(init).items() if dataclasses.asdict(short)[k] != v}
    assert changed == {"name", "encoder_from_generator"}
