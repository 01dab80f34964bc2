"""The training pipeline's chunks of evaluation corpora, written as JSON lines, so that the product's own code
(bench/chunker-memories.ts) can encode and rank them beside the chunks its indexer made. It tells apart how much of
the memory ranking's distance to BM25 comes from the chunker the compressor was trained on (chunks.py, which follows
the engine's definitions but is not its tree-sitter chunker) and how much from the model.

Only `.py` files, read as token_bm25.py reads them. One line per chunk: path, start_line, end_line, symbol, code.

    python -m models.training.experiments.dump_chunks --corpora CACHE/corpora --out DIR \
        [--corpus requests,flask,...]

writes DIR/<corpus>.jsonl. CACHE/corpora is where `clara eval --cache CACHE` fetched the corpora."""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from .token_bm25 import EVAL_DIR, LIBS, corpus_chunks


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpora", type=Path, required=True)
    ap.add_argument("--corpus", default=",".join(LIBS))
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    kits = json.loads((EVAL_DIR / "corpora.json").read_text())
    args.out.mkdir(parents=True, exist_ok=True)
    for cid in args.corpus.split(","):
        chunks = corpus_chunks(args.corpora / cid / kits[cid]["subdir"])
        with (args.out / f"{cid}.jsonl").open("w", encoding="utf-8") as f:
            for c in chunks:
                f.write(json.dumps({"path": c.path, "start_line": c.start_line, "end_line": c.end_line,
                                    "symbol": c.symbol, "code": c.code}) + "\n")
        print(f"{cid}: {len(chunks)} chunks", flush=True)


if __name__ == "__main__":
    main()
