#!/usr/bin/env bash
# The GPU half of a timed config (`base`; docs/MODEL.md, "Train a bundle" and "The base config on a GPU"): on a machine with CUDA and
# PyTorch, unpack a prepared run's data (chunks.jsonl, samples.jsonl, heldout_samples.jsonl, data_info.json,
# tokenizer/, as prepare.py writes them), train, and write the weights as bf16 shards, train.json and the logs to OUT.
# The CPU half: python -m models.training.run --config base --run-dir RUN --trained OUT --out models/clara-code-base
#   usage: models/training/gpu-train.sh DATA.tar.xz OUT [run.py options, e.g. --seconds-scale 0.5]
# CLARA_CONFIG names another config (default base); CLARA_TIMEOUT (seconds) stops the training early, the logs still
# written, so that they come back from a machine lent for a limited time.
set -euo pipefail
data=$1 out=$2
shift 2
run=$(mktemp -d)
mkdir -p "$out"
tar -xJf "$data" -C "$run"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.cuda.is_available())'
status=0
PYTHONUNBUFFERED=1 timeout "${CLARA_TIMEOUT:-0}" python3 -m models.training.run --config "${CLARA_CONFIG:-base}" --run-dir "$run" --train-only "$out" "$@" \
  2>&1 | tee "$run/train.log" || status=$?
tar -czf "$out/logs.tar.gz" -C "$run" $(cd "$run" && ls train.log metrics.jsonl config.json eval.json 2>/dev/null) || true
exit "$status"
