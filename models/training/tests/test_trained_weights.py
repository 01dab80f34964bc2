"""The GPU-to-CPU hand-over (run.py --train-only / --trained): bf16 weight shards and timed stages."""
import math
import time

import pytest
import torch

from models.training import trained_weights as W
from models.training.config import StageConfig, get_config
from models.training.train import Stage, build_models


def small_config():
    cfg = get_config("tiny")
    cfg.model.vocab_size, cfg.model.enc_dim, cfg.model.gen_dim = 512, 32, 48
    return cfg


def test_shards_round_trip_the_bf16_rounded_weights(tmp_path, monkeypatch):
    monkeypatch.setattr(W, "SHARD_BYTES", 64 * 1024)  # several shards from a small model
    cfg = small_config()
    torch.manual_seed(0)
    models = build_models(cfg)
    before = models.generator.head.weight.detach().clone()
    W.round_to_bf16(models)
    assert not torch.equal(before, models.generator.head.weight)  # the rounding happened in place
    assert torch.equal(before.to(torch.bfloat16).float(), models.generator.head.weight)
    paths = W.save_shards(models, tmp_path)
    assert len(paths) > 2
    for p in paths:  # each file holds at most SHARD_BYTES of tensors, plus torch.save's small framing
        assert p.stat().st_size <= W.SHARD_BYTES + 16 * 1024
    loaded = W.load_shards(tmp_path, cfg)
    for role in W.ROLES:
        want, got = getattr(models, role).state_dict(), getattr(loaded, role).state_dict()
        assert want.keys() == got.keys()
        for name in want:
            assert got[name].dtype == want[name].dtype
            assert torch.equal(got[name], want[name]), f"{role}.{name}"


def test_load_shards_refuses_missing_tensors(tmp_path):
    cfg = small_config()
    models = build_models(cfg)
    W.save_shards(models, tmp_path)
    shard = tmp_path / "weights-00.pt"
    state = torch.load(shard, weights_only=True)
    state.pop(next(iter(state)))
    torch.save(state, shard)
    with pytest.raises(RuntimeError, match="Missing key"):
        W.load_shards(tmp_path, cfg)


def test_a_timed_stage_ends_on_its_budget_and_records_its_steps(tmp_path):
    cfg = small_config()
    models = build_models(cfg)
    sc = StageConfig(steps=10**9, batch_size=1, lr=1e-3, seconds=0.3)
    st = Stage("timed", sc, list(models.generator.parameters()), models, tmp_path, cfg)
    assert st.lr() < 0.5e-3  # warming up: the budget has barely begun
    t0 = time.time()
    while not st.done:
        loss = sum((p ** 2).sum() for p in models.generator.parameters())
        st.update(loss, {})
    assert time.time() - t0 >= 0.3
    assert sc.steps == st.step < 10**9  # the config now records the steps taken
    assert math.isclose(st.lr(), 0.1 * 1e-3)  # the schedule ended at its floor
    assert (tmp_path / "ckpt-timed.pt").exists()  # saved once, at its end


def test_an_untimed_stage_keeps_its_step_schedule(tmp_path):
    cfg = small_config()
    models = build_models(cfg)
    sc = StageConfig(steps=40, batch_size=1, lr=1e-3)
    st = Stage("steps", sc, list(models.generator.parameters()), models, tmp_path, cfg)
    lrs = []
    while not st.done:
        lrs.append(st.lr())
        st.update(sum((p ** 2).sum() for p in models.generator.parameters()), {})
    assert st.step == sc.steps == 40
    assert math.isclose(lrs[0], 1e-3 / 2) and math.isclose(max(lrs), 1e-3)  # 2 warm-up steps, then cosine
