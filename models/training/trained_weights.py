"""Trained weights in bf16 shards of at most 15 MiB: how a run on the GPU machine hands its models to the CPU side
that exports them (run.py --train-only, then --trained). That machine returns files of at most 16 MiB, 64 MiB in
all; fp32 weights of the `base` config would not fit, bf16 ones do. `round_to_bf16` applies the same rounding to
the models in place, so what the GPU side measures is what the CPU side exports."""
from __future__ import annotations

import json
from pathlib import Path

import torch

from .config import TrainConfig
from .train import Models, build_models

ROLES = ("compressor", "query", "generator")
SHARD_BYTES = 15 * 2**20
INDEX = "weights.json"


@torch.no_grad()
def round_to_bf16(models: Models) -> None:
    for role in ROLES:
        for t in getattr(models, role).state_dict().values():
            if t.is_floating_point():
                t.copy_(t.to(torch.bfloat16))


def save_shards(models: Models, out_dir: Path) -> list[Path]:
    """Every tensor of the three models, floating ones in bf16, packed in order into files of <= SHARD_BYTES."""
    out_dir.mkdir(parents=True, exist_ok=True)
    shards: list[dict[str, torch.Tensor]] = [{}]
    size = 0
    for role in ROLES:
        for name, t in getattr(models, role).state_dict().items():
            t = t.detach().to("cpu", torch.bfloat16 if t.is_floating_point() else t.dtype).contiguous()
            n = t.numel() * t.element_size()
            if n > SHARD_BYTES:
                raise ValueError(f"{role}.{name} alone is {n} bytes, over one shard's {SHARD_BYTES}")
            if size + n > SHARD_BYTES:
                shards.append({})
                size = 0
            shards[-1][f"{role}/{name}"] = t
            size += n
    paths = []
    for i, shard in enumerate(shards):
        path = out_dir / f"weights-{i:02d}.pt"
        torch.save(shard, path)
        paths.append(path)
    (out_dir / INDEX).write_text(json.dumps({"dtype": "bfloat16", "shards": [p.name for p in paths]}) + "\n")
    return paths


def load_shards(in_dir: Path, cfg: TrainConfig) -> Models:
    """The models of `cfg`, in fp32, with the weights of save_shards; every tensor must be present."""
    index = json.loads((in_dir / INDEX).read_text())
    state: dict[str, dict[str, torch.Tensor]] = {role: {} for role in ROLES}
    for name in index["shards"]:
        for key, t in torch.load(in_dir / name, map_location="cpu", weights_only=True).items():
            role, param = key.split("/", 1)
            state[role][param] = t
    models = build_models(cfg)
    for role in ROLES:
        getattr(models, role).load_state_dict(state[role], strict=True)  # copies into fp32, bf16 values exact
    return models
