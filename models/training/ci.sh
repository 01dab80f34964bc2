#!/usr/bin/env bash
# CI entry point for the model pipeline: creates the venv if missing, trains the `tiny` config into a temporary
# folder, runs the Python tests (including ONNX parity), and prints the bundle path on the last line of stdout.
# Then: CLARA_BUNDLE_DIR=<that path> node --import tsx --test test/bundle/*.test.ts
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$repo"
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
  .venv/bin/pip install --quiet -r models/training/requirements.txt >&2
fi
work="${CLARA_CI_DIR:-$(mktemp -d /tmp/clara-ci.XXXXXX)}"
nice .venv/bin/python -m models.training.run --config tiny --out "$work/clara-code-tiny" --run-dir "$work/run" >&2
CLARA_BUNDLE_DIR="$work/clara-code-tiny" .venv/bin/python -m pytest -q models/training/tests >&2
echo "$work/clara-code-tiny"
