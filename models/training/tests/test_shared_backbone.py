"""One shared backbone with an adapter per role (ModelConfig.adapter_rank, CLaRa's form): what the roles share, that
the adapters fold into the plain networks the bundle exports, and that freezing the backbone keeps cached memories
valid while the other roles train."""
import dataclasses
from pathlib import Path

import numpy as np
import torch

from models.training.config import get_config, tiny
from models.training.export_onnx import export_encoder, export_generator
from models.training.model import Generator, LoRALinear, MemoryEncoder, SharedBackbone, without_adapters
from models.training.parity import ort_greedy, ort_memory, session, torch_greedy
from models.training.train import Stage, build_models

V, D, L, RANK = 300, 32, 4, 4


def shared_roles():
    torch.manual_seed(0)
    backbone = SharedBackbone(V, D, 2, 4, RANK)
    comp = MemoryEncoder(V, D, 2, 4, 64, L, backbone=backbone)
    query = MemoryEncoder(V, D, 2, 4, 64, L, backbone=backbone)
    gen = Generator(V, D, 2, 4, D, L, 5, 128, backbone=backbone)
    return backbone, comp, query, gen


def perturb_adapters(module, seed):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in module.modules():
            if isinstance(m, LoRALinear):
                m.b.copy_(torch.randn(m.b.shape, generator=g) * 0.3)


def test_roles_share_the_backbone_and_own_their_adapters():
    backbone, comp, query, gen = shared_roles()
    for role in (comp, query, gen):
        assert role.tok is backbone.tok
        assert role.blocks[1].attn.qkv.base is backbone.blocks[1].attn.qkv
        assert role.blocks[0].ln2 is backbone.blocks[0].ln2
    assert comp.blocks[0].mlp[0].a is not query.blocks[0].mlp[0].a
    ids = torch.randint(3, V, (2, 9))
    mask = torch.ones_like(ids)
    # new adapters add nothing, so two encoders with the same slots start at the same memory
    query.load_state_dict(comp.state_dict())
    assert torch.allclose(comp(ids, mask), query(ids, mask))
    perturb_adapters(query, 1)
    assert not torch.allclose(comp(ids, mask), query(ids, mask), atol=1e-3)


def test_folded_adapters_compute_what_the_role_computes_and_load_into_a_plain_network():
    _, comp, _, gen = shared_roles()
    perturb_adapters(comp, 1)
    perturb_adapters(gen, 2)
    comp.eval(), gen.eval()
    plain_comp, plain_gen = without_adapters(comp), without_adapters(gen)
    assert not any(isinstance(m, LoRALinear) for m in [*plain_comp.modules(), *plain_gen.modules()])
    # the same keys and shapes as a network built without a backbone: the bundle contract and export are unchanged
    MemoryEncoder(V, D, 2, 4, 64, L).load_state_dict(plain_comp.state_dict(), strict=True)
    Generator(V, D, 2, 4, D, L, 5, 128).load_state_dict(plain_gen.state_dict(), strict=True)
    ids = torch.randint(3, V, (2, 9))
    mask = torch.ones_like(ids)
    mask[1, 6:] = 0
    assert torch.allclose(plain_comp(ids, mask), comp(ids, mask), atol=1e-5)
    mem = torch.randn(1, 2 * L, D)
    assert torch.allclose(plain_gen(mem, ids[:1])[0], gen(mem, ids[:1])[0], atol=1e-5)
    # folding copies: the shared model is left as it was
    assert any(isinstance(m, LoRALinear) for m in comp.modules())


def test_a_folded_shared_model_exports_with_parity(tmp_path: Path):
    _, comp, _, gen = shared_roles()
    perturb_adapters(comp, 3)
    perturb_adapters(gen, 4)
    comp.eval(), gen.eval()
    export_encoder(without_adapters(comp), tmp_path / "c.onnx", 64)
    export_generator(without_adapters(gen), tmp_path / "g.onnx", D)
    docs = [[5, 6, 7, 8, 9], [10, 11, 12]]
    got = ort_memory(session(tmp_path / "c.onnx"), docs)
    for i, d in enumerate(docs):
        ref = comp(torch.tensor([d]), torch.ones(1, len(d), dtype=torch.long))[0].detach().numpy()
        cos = float(np.ravel(got[i]) @ np.ravel(ref) / (np.linalg.norm(got[i]) * np.linalg.norm(ref)))
        assert cos >= 0.9999
    mem = torch.randn(1, 2 * L, D)
    prompt = [1, 20, 30, 40]
    assert ort_greedy(session(tmp_path / "g.onnx"), mem.numpy(), prompt, 2, 4, D // 4, 10) == \
        torch_greedy(gen, mem, prompt, 10)


def test_stages_after_scp_train_adapters_and_leave_cached_memories_valid(tmp_path: Path):
    cfg = tiny()
    cfg.model.vocab_size, cfg.model.enc_dim, cfg.model.gen_dim = V, D, D
    cfg.model.adapter_rank = RANK
    models = build_models(cfg)
    ids = torch.randint(3, V, (3, 12))
    mask = torch.ones_like(ids)
    models.compressor.eval()
    before = models.compressor(ids, mask).detach().clone()
    # SCP's parameters: compressor and generator, the shared weights in both; the optimiser holds each once
    scp_params = list(models.compressor.parameters()) + list(models.generator.parameters())
    st = Stage("scp", cfg.scp, scp_params, models, tmp_path, cfg)
    assert len(st.params) == len({id(p) for p in scp_params}) < len(scp_params)
    # after SCP the backbone freezes (run.train_stages); a generator step then moves only the generator's own weights
    models.backbone.requires_grad_(False)
    st = Stage("instruct", cfg.instruct, list(models.generator.parameters()), models, tmp_path, cfg)
    adapter = models.generator.blocks[0].mlp[2].b
    adapter_before = adapter.detach().clone()
    gen = models.generator.train()
    memory = torch.randn(3, L * 2, D)
    logits, _ = gen(memory, ids[:, :6])
    st.update(torch.nn.functional.cross_entropy(logits.reshape(-1, V), ids[:, 1:7].reshape(-1)), {})
    assert not torch.equal(adapter, adapter_before)
    assert torch.equal(models.compressor(ids, mask), before)


def test_each_shared_config_differs_from_its_separate_twin_in_the_sharing_alone():
    for separate in ("tiny-broad-short", "tiny-broad-mid", "tiny-broad-long"):
        a, b = dataclasses.asdict(get_config(separate)), dataclasses.asdict(get_config(separate + "-shared"))
        assert b["model"]["adapter_rank"] == 16 and a["model"]["adapter_rank"] == 0
        a["model"]["adapter_rank"] = b["model"]["adapter_rank"]
        assert {k for k in a if a[k] != b[k]} == {"name"}


def test_the_tail_config_differs_from_mid_shared_in_the_reader_stages_alone_which_are_the_shipped_ones():
    mid, tail = (dataclasses.asdict(get_config(n)) for n in ("tiny-broad-mid-shared", "tiny-broad-mid-shared-tail"))
    shipped = dataclasses.asdict(get_config("tiny-broad-long"))
    assert {k for k in mid if mid[k] != tail[k]} == {"name", "instruct", "e2e"}
    assert tail["instruct"] == shipped["instruct"] and tail["e2e"] == shipped["e2e"]
    assert tail["instruct"]["steps"] == 8 * mid["instruct"]["steps"]
