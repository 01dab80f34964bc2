import sys
from pathlib import Path

# Tests import the pipeline as `models.training`, from the repository root.
sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
