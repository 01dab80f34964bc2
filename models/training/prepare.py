"""Stage 0: corpus -> chunks -> tokenizer -> synthesised SCP samples, written under the run directory."""
from __future__ import annotations

import collections
import json
import random
from dataclasses import asdict
from pathlib import Path

from . import bpe
from .chunks import Chunk, chunk_files, format_doc
from .config import TrainConfig
from .corpus import SourceFile, collect, split_heldout
from .synth_python import Sample, synthesise_python
from .synth_regex import synthesise_brace


def synthesise(files: list[SourceFile], chunks: list[Chunk], rng: random.Random, cap: int,
               described: bool = False) -> list[Sample]:
    by_file: dict[tuple[str, str], list[Chunk]] = collections.defaultdict(list)
    for c in chunks:
        by_file[(c.repo, c.path)].append(c)
    samples: list[Sample] = []
    for f in files:
        fchunks = by_file.get((f.repo, f.path), [])
        if not fchunks:
            continue
        if f.language == "python":
            got, _ = synthesise_python(f.text, f.path, fchunks, rng, described=described)
        else:
            got, _ = synthesise_brace(f.text, f.path, fchunks, f.language, rng)
        per_chunk: dict[int, int] = collections.Counter()
        for s in got:
            if per_chunk[s.chunks[0]] < cap:
                per_chunk[s.chunks[0]] += 1
                s.repo = f.repo
                samples.append(s)
    return samples


def counts(samples: list[Sample]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = collections.defaultdict(lambda: collections.Counter())
    for s in samples:
        out[s.language][s.kind] += 1
    return {lang: dict(c) for lang, c in out.items()}


def prepare(cfg: TrainConfig, run_dir: Path, cache: Path) -> dict:
    run_dir.mkdir(parents=True, exist_ok=True)
    files, manifest = collect(cfg.corpus, cache)
    if not files:
        raise SystemExit("the corpus is empty: check the sources in the config")
    train_files, held_files = split_heldout(files, cfg.corpus.heldout_fraction)
    rng = random.Random(cfg.seed)
    train_chunks = chunk_files(train_files)
    held_chunks = chunk_files(held_files)
    for c in held_chunks:
        c.id += len(train_chunks)
    tok = bpe.train_tokenizer([f.text for f in train_files], cfg.model.vocab_size)
    bpe.save_tokenizer(tok, run_dir / "tokenizer", cfg.model.doc_max_tokens)
    train_samples = synthesise(train_files, train_chunks, rng, cfg.max_samples_per_chunk, cfg.synth_described)
    held_samples = synthesise(held_files, held_chunks, rng, cfg.max_samples_per_chunk, cfg.synth_described)
    for name, rows in (("chunks.jsonl", train_chunks + held_chunks),
                       ("samples.jsonl", train_samples), ("heldout_samples.jsonl", held_samples)):
        with open(run_dir / name, "w") as fh:
            for r in rows:
                fh.write(json.dumps(asdict(r)) + "\n")
    n_tokens = sum(len(bpe.encode(tok, format_doc(cfg.doc_template, c))) for c in train_chunks[:2000])
    info = {
        "corpus": [asdict(m) for m in manifest],
        "files": {"train": len(train_files), "heldout": len(held_files)},
        "chunks": {"train": len(train_chunks), "heldout": len(held_chunks)},
        "mean_chunk_tokens": round(n_tokens / max(1, min(2000, len(train_chunks))), 1),
        "samples": counts(train_samples),
        "heldout_samples": counts(held_samples),
        "languages": dict(collections.Counter(f.language for f in files)),
    }
    (run_dir / "data_info.json").write_text(json.dumps(info, indent=2) + "\n")
    return info


def load_jsonl(path: Path, cls):
    with open(path) as fh:
        return [cls(**json.loads(line)) for line in fh]
