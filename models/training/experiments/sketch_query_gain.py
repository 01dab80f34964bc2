"""A bundle with a token sketch (`ModelConfig.lexical_hashes`) whose query reasoner weighs the sketch by another gain.

The sketch's gain is one learned number per encoder (`model.TokenSketch.log_gain`). In the question, a larger gain
weighs the question's idf-weighted bag of tokens more against the transformer's part when it is compared with the
stored memories. The compressor, and so every stored memory and what the generator reads, is unchanged. The copy
therefore keeps the bundle's version, and `clara eval --cache` reuses the indexes built with the original:

    .venv/bin/python -m models.training.experiments.sketch_query_gain --bundle B --gain 1000 --out /tmp/B-g1000
    npm run eval -- --bundle /tmp/B-g1000 --cache <the cache B was evaluated with> --no-answers ...

With `--compressor-gain G` the compressor's gain changes too. The memories then differ, so the copy gets its own
version and its stores are rebuilt. That copy is a measurement only, since the generator was never trained on such
memories. Neither copy is shipped (docs/MODEL.md, "A fixed token sketch in the memory encoders")."""
from __future__ import annotations

import argparse
import json
import math
import shutil
from pathlib import Path

import numpy as np
import onnx
from onnx import numpy_helper

from ..bundle import sha256

GAIN = "enc.sketch.log_gain"


def set_gain(onnx_file: Path, gain: float) -> float:
    """Rewrites the file's sketch gain; returns the gain it had."""
    model = onnx.load(str(onnx_file))
    for i, init in enumerate(model.graph.initializer):
        if init.name == GAIN:
            old = math.exp(float(numpy_helper.to_array(init)))
            model.graph.initializer[i].CopyFrom(
                numpy_helper.from_array(np.array(math.log(gain), dtype=np.float32), GAIN))
            onnx.save(model, str(onnx_file))
            return old
    raise SystemExit(f"{onnx_file} has no token sketch ({GAIN}); only a bundle trained with lexical_hashes has one")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bundle", type=Path, required=True)
    ap.add_argument("--gain", type=float, required=True, help="the query reasoner's sketch gain")
    ap.add_argument("--compressor-gain", type=float, help="also the compressor's (the memories change)")
    ap.add_argument("--out", type=Path, required=True)
    a = ap.parse_args()
    if a.gain <= 0 or (a.compressor_gain is not None and a.compressor_gain <= 0):
        raise SystemExit("a gain must be positive")
    if a.out.exists():
        shutil.rmtree(a.out)
    shutil.copytree(a.bundle, a.out)
    manifest = json.loads((a.out / "manifest.json").read_text())
    original = manifest["version"]
    changes = {"query.onnx": a.gain}
    if a.compressor_gain is not None:
        changes["compressor.onnx"] = a.compressor_gain
        manifest["version"] = f"{manifest['version']}-cg{a.compressor_gain:g}"
    for name, gain in changes.items():
        old = set_gain(a.out / name, gain)
        manifest["sha256"][name] = sha256(a.out / name)
        print(f"{name}: sketch gain {old:.2f} -> {gain:g}")
    manifest["sketch_query_gain_experiment"] = {"from": original, "gains": changes}
    (a.out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    print(f"wrote {a.out} (version {manifest['version']})")


if __name__ == "__main__":
    main()
