"""One command per config: corpus -> tokenizer -> SCP data -> stages -> ONNX (int8) -> parity -> bundle.

    .venv/bin/python -m models.training.run --config tiny --out models/clara-code-tiny

Runs resume from checkpoints in --run-dir (default models/training/runs/<config>). On a GPU machine,
`--train-only DIR` stops after training and writes the weights; `--trained DIR` here exports them (docs/MODEL.md)."""
from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import random
import time
from datetime import datetime, timezone
from pathlib import Path

import torch

from . import batches as B
from . import bpe
from .bundle import write_bundle
from .card import write_card
from .chunks import Chunk, format_doc
from .config import get_config
from .evaluate import heldout_eval
from .export_onnx import export_all, file_mib
from .lexical_negatives import sample_negatives
from .model import token_idf, without_adapters
from .parity import COS_MIN, build_parity, snapping_effect, write_parity
from .prepare import load_jsonl, prepare
from .synth_python import Sample
from .train import (DEVICE, PRECISION, Models, align_query, build_models, compress_all, encoder_from_generator,
                    end_to_end, instruct, pretrain_generator, save_models, scp)
from .trained_weights import ROLES, load_shards, round_to_bf16, save_shards

MAX_FILE_MIB = 16.0


def log(msg: str) -> None:
    print(f"[{datetime.now(timezone.utc).strftime('%H:%M:%S')}] {msg}", flush=True)


def parity_cases(cfg, chunks_by_id: dict[int, Chunk], held_samples: list[Sample], neg, rng):
    docs = [format_doc(cfg.doc_template, chunks_by_id[s.chunks[0]]) for s in held_samples[:4]]
    queries = [s.question for s in held_samples[4:8]]
    gen = []
    for s in held_samples[8:28]:
        blocks = s.chunks[: cfg.topk_k] + neg.sample(s.chunks, cfg.topk_k - len(s.chunks[: cfg.topk_k]))
        gen.append(([format_doc(cfg.doc_template, chunks_by_id[c]) for c in blocks], s.question))
    return docs, queries, gen


# Per file, in order of preference: int8 weights and activations (fastest on CPU), the generator's per-channel
# variant, weight-only int8 (fp32 arithmetic on the snapped weights, weight_int8.py), fp32.
PRECISIONS = {"compressor": ("int8", "w8", "fp32"), "query": ("int8", "w8", "fp32"),
              "generator": ("int8", "int8pc", "w8", "fp32")}


def precision_tries() -> list[dict[str, str]]:
    """Every combination, most compact first: fewest fp32 files, then the sum of the files' preference ranks."""
    roles = list(PRECISIONS)
    combos = itertools.product(*PRECISIONS.values())
    ranked = sorted(combos, key=lambda c: (sum(p == "fp32" for p in c),
                                           sum(PRECISIONS[r].index(p) for r, p in zip(roles, c))))
    return [dict(zip(roles, c)) for c in ranked]


def reference_models(models, snapped, precision: dict[str, str]) -> Models:
    """The PyTorch networks a precision combination is compared with: the snapped one for a w8 file."""
    return Models(**{role: snapped[role] if q == "w8" else getattr(models, role) for role, q in precision.items()})


def choose_files(models, snapped, tok, cfg, exported, cases) -> tuple[dict, dict, dict]:
    """The first combination of precision_tries() where parity holds (BUNDLE.md), never a file over 16 MiB. A w8
    file is compared with the snapped module it was exported from. When no combination passes both, the
    size-compliant one with the most identical greedy decodes is kept and the report says ok = false. For the kept
    combination, when it has a w8 file, the report also says what snapping changed against the trained weights."""
    best = None
    for precision in precision_tries():
        files = {role: exported[f"{role}.{q}"] for role, q in precision.items()}
        if max(file_mib(p) for p in files.values()) > MAX_FILE_MIB:
            continue
        parity, report = build_parity(reference_models(models, snapped, precision), tok, cfg, files, *cases)
        report["precision"] = precision
        cos_ok = min(report["memory_cosine_min"].values()) >= COS_MIN
        log(f"parity {report}")
        report["ok"] = cos_ok and report["greedy_identical"] == report["greedy_cases"]
        if report["ok"]:
            best = (files, parity, report)
            break
        if cos_ok and (best is None or report["greedy_identical"] > best[2]["greedy_identical"]):
            best = (files, parity, report)
    if best is None:
        raise SystemExit("no precision combination keeps memory cosine >= 0.999 within 16 MiB per file")
    precision = best[2]["precision"]
    if "w8" in precision.values():
        best[2]["snapped_vs_trained"] = snapping_effect(models, reference_models(models, snapped, precision), tok,
                                                        cfg, *cases)
    return best


def stage_seconds(run_dir: Path) -> dict[str, float]:
    """Training seconds per stage from metrics.jsonl, summed over resumed segments (elapsed_s restarts at 0 when a
    killed run is resumed), so the card reports the compute a stage really took."""
    last: dict[str, float] = {}
    total: dict[str, float] = {}
    path = run_dir / "metrics.jsonl"
    for line in path.read_text().splitlines() if path.exists() else []:
        row = json.loads(line)
        st, e = row["stage"], row["elapsed_s"]
        if e < last.get(st, 0.0):  # a new segment began
            total[st] = total.get(st, 0.0) + last[st]
        last[st] = e
    return {f"{st}_s": round(total.get(st, 0.0) + e, 1) for st, e in last.items()}


def hardware() -> str:
    if DEVICE == "cuda":
        return f"{torch.cuda.get_device_name()} GPU, {platform.machine()} host ({os.cpu_count()} cores)"
    return f"{platform.machine()} CPU, {torch.get_num_threads()} threads, no GPU ({platform.processor() or 'cpu'})"


def train_stages(cfg, run_dir: Path, tok, doc_ids, chunks, samples, held_samples, n_train, rng):
    """Every training stage, in order, with the held-out retrieval before the query warm-up and before e2e.
    Returns (models, memories of the training chunks, {"copy", "pre"} evaluations, seconds per stage)."""
    held_chunks = chunks[n_train:]
    neg = B.NegativeSampler(chunks[:n_train], rng)
    models = build_models(cfg)
    if cfg.model.lexical_hashes:
        idf = token_idf(doc_ids[:n_train], cfg.model.vocab_size)
        models.compressor.sketch.set_idf(idf)
        models.query.sketch.set_idf(idf)
    log(f"parameters {parameters(models)}; training precision: {PRECISION}")
    timings = {}
    t = time.time()
    pretrain_generator(models, doc_ids[:n_train], cfg, run_dir, rng)
    timings["pretrain_gen_s"] = round(time.time() - t, 1)
    if cfg.encoder_from_generator:
        encoder_from_generator(models)
        log("compressor's token embedding and blocks copied from the pretrained generator")
    t = time.time()
    relocated = B.relocated_docs(tok, chunks, cfg, cfg.seed) if cfg.path_augment > 0 else None
    hard = None
    if cfg.scp_lexical_negatives:
        t_neg = time.time()
        hard = sample_negatives(samples, doc_ids[:n_train], tok, cfg.model.query_max_tokens, cfg.model.vocab_size)
        log(f"lexical hard negatives for {len(hard)} questions in {time.time() - t_neg:.1f}s")
    scp(models, samples, doc_ids, tok, cfg, run_dir, rng, relocated=relocated, lexical_negatives=hard)
    timings["scp_s"] = round(time.time() - t, 1)
    if models.backbone is not None:
        # The memories are cached from here on (the compressor is frozen), so the weights the compressor shares with
        # the other roles freeze too; the later stages train the query reasoner's and the generator's adapters.
        models.backbone.requires_grad_(False)
    # CLaRa: the query reasoner starts as a copy of the compressor (random init was worse in the paper)
    models.query.load_state_dict(models.compressor.state_dict())
    t = time.time()
    memories = compress_all(models.compressor, doc_ids[:n_train])
    timings["compress_cache_s"] = round(time.time() - t, 1)
    t = time.time()
    instruct(models, samples, memories, neg, tok, cfg, run_dir, rng)
    timings["instruct_s"] = round(time.time() - t, 1)
    held_doc_ids = {c.id: doc_ids[c.id] for c in held_chunks}
    copy = heldout_eval(models, tok, cfg, memories, held_chunks, held_doc_ids, held_samples, random.Random(7),
                        n_generate=0)
    log(f"held-out retrieval, query = compressor copy: {copy.get('retrieval')}")
    if cfg.query_sketch_gain:
        # Here, not at the copy: the instruct stage's checkpoint holds the query reasoner as copied, learned gain and all.
        if models.query.sketch is None:
            raise ValueError(f"{cfg.name}: query_sketch_gain needs the token sketch (model.lexical_hashes > 0)")
        models.query.sketch.fix_gain(cfg.query_sketch_gain)
        log(f"query reasoner's sketch gain fixed at {cfg.query_sketch_gain:g} for the query warm-up and e2e")
    t = time.time()
    align_query(models, samples, memories, tok, cfg, run_dir, rng)
    timings["align_s"] = round(time.time() - t, 1)
    pre = heldout_eval(models, tok, cfg, memories, held_chunks, held_doc_ids, held_samples, random.Random(7),
                       n_generate=0)
    log(f"held-out retrieval after the query warm-up, before e2e: {pre.get('retrieval')}")
    t = time.time()
    end_to_end(models, samples, memories, neg, tok, cfg, run_dir, rng)
    timings["e2e_s"] = round(time.time() - t, 1)
    return models, memories, {"copy": copy, "pre": pre}, timings


def parameters(models: Models) -> dict[str, int]:
    """Per role, what its network computes with; with a shared backbone, also how many distinct weights there are."""
    counts = {k: sum(p.numel() for p in getattr(models, k).parameters()) for k in ROLES}
    if models.backbone is not None:
        distinct = {id(p): p.numel() for k in ROLES for p in getattr(models, k).parameters()}
        counts["distinct"] = sum(distinct.values())
    return counts


def training_record(cfg, run_dir: Path, models: Models, info: dict, timings: dict, post: dict, t_start: float):
    return {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "hardware": hardware(), "torch": torch.__version__, "precision": PRECISION,
        "wall_clock_s_last_process": round(time.time() - t_start, 1),
        "process_seconds": timings,
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()], "cores": os.cpu_count(),
        "stage_seconds": stage_seconds(run_dir),
        "steps": {k: getattr(cfg, k).steps for k in STAGES},
        "parameters": parameters(models), "corpus": info["corpus"], "samples": info["samples"],
        "abstain_calibration": post.get("abstain", {}).get("method", "not calibrated (no held-out negatives)"),
    }


STAGES = ("pretrain_gen", "scp", "instruct", "align", "e2e")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", required=True, help="tiny | small | base")
    ap.add_argument("--out", type=Path, help="bundle folder to write (models/<bundle>)")
    ap.add_argument("--run-dir", type=Path, help="checkpoints, data and logs (default models/training/runs/<config>)")
    ap.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "clara-training", help="downloads")
    ap.add_argument("--name", help="bundle name (default: the --out folder name)")
    ap.add_argument("--seed", type=int, help="training seed instead of the config's (a second seed of a config)")
    ap.add_argument("--train-only", type=Path, metavar="DIR",
                    help="train, then write the weights (bf16 shards) and train.json to DIR and stop: the GPU half")
    ap.add_argument("--trained", type=Path, metavar="DIR",
                    help="export the weights a --train-only run wrote to DIR instead of training: the CPU half")
    ap.add_argument("--seconds-scale", type=float, default=1.0,
                    help="multiply every stage's time budget (StageConfig.seconds), e.g. for a short trial run")
    args = ap.parse_args()
    if not args.train_only and not args.out:
        ap.error("--out is required unless --train-only")

    cfg = get_config(args.config)
    if args.seed is not None:
        cfg.seed = args.seed
    for k in STAGES:
        getattr(cfg, k).seconds *= args.seconds_scale
    run_dir = args.run_dir or Path(__file__).parent / "runs" / cfg.name
    run_dir.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(int(os.environ.get("CLARA_THREADS", cfg.threads)))
    torch.manual_seed(cfg.seed)
    if DEVICE == "cuda":
        torch.set_default_device(DEVICE)  # every batch tensor the stages build lands on the GPU
    rng = random.Random(cfg.seed)
    t_start = time.time()
    (run_dir / "config.json").write_text(json.dumps(cfg.to_dict(), indent=2) + "\n")

    if not (run_dir / "data_info.json").exists():
        log("preparing corpus, tokenizer and SCP data")
        prepare(cfg, run_dir, args.cache)
    info = json.loads((run_dir / "data_info.json").read_text())
    log(f"data: {json.dumps({k: info[k] for k in ('files', 'chunks', 'samples')})}")
    tok = bpe.load_tokenizer(run_dir / "tokenizer" / "tokenizer.json")
    chunks = load_jsonl(run_dir / "chunks.jsonl", Chunk)
    samples = load_jsonl(run_dir / "samples.jsonl", Sample)
    held_samples = load_jsonl(run_dir / "heldout_samples.jsonl", Sample)
    n_train = info["chunks"]["train"]
    held_chunks = chunks[n_train:]
    doc_ids = B.encode_docs(tok, chunks, cfg)
    chunks_by_id = {c.id: c for c in chunks}

    if args.trained:
        record = json.loads((args.trained / "train.json").read_text())
        for k in STAGES:  # the steps the timed stages took
            getattr(cfg, k).steps = record["training"]["steps"][k]
        models = load_shards(args.trained, cfg)
        training, evals = record["training"], record["evaluation"]
        training["exported_on"] = hardware()
        post = evals["post"]
        log(f"weights of {args.trained} ({training['hardware']}), exported here")
    else:
        models, memories, evals, timings = train_stages(cfg, run_dir, tok, doc_ids, chunks, samples, held_samples,
                                                        n_train, rng)
        if args.train_only:
            round_to_bf16(models)  # what the CPU side will export, so the held-out numbers below are its own
            save_shards(models, args.train_only)
            memories = compress_all(models.compressor, doc_ids[:n_train])
        else:
            save_models(models, run_dir / "final.pt", cfg)
        held_doc_ids = {c.id: doc_ids[c.id] for c in held_chunks}
        post = heldout_eval(models, tok, cfg, memories, held_chunks, held_doc_ids, held_samples, random.Random(7))
        log(f"held-out after e2e: {json.dumps(post)}")
        evals["post"] = post
        (run_dir / "eval.json").write_text(json.dumps(evals, indent=2))
        training = training_record(cfg, run_dir, models, info, timings, post, t_start)
        if args.train_only:
            (args.train_only / "train.json").write_text(json.dumps(
                {"config": cfg.to_dict(), "training": training, "evaluation": evals}, indent=2) + "\n")
            log(f"weights and train.json written to {args.train_only} in {training['wall_clock_s_last_process']}s")
            return

    # a shared backbone's roles export as the plain networks they compute, each adapter folded into its weights
    models = Models(*((without_adapters(getattr(models, k)) if models.backbone else getattr(models, k)).to("cpu")
                      for k in ROLES))
    log("exporting ONNX")
    exported, snapped = export_all(models, cfg, run_dir / "onnx")
    # parity cases come from held-out files, with negatives from held-out files too
    cases = parity_cases(cfg, chunks_by_id, held_samples, B.NegativeSampler(held_chunks, random.Random(11)),
                         random.Random(11))
    files, parity, report = choose_files(models, snapped, tok, cfg, exported, cases)
    sizes = {k: round(file_mib(p), 2) for k, p in files.items()}
    if not report["ok"]:
        log(f"WARNING: greedy parity holds on {report['greedy_identical']}/{report['greedy_cases']} prompts only")
    if not args.trained:
        training["wall_clock_s_last_process"] = round(time.time() - t_start, 1)
    abstain = post.get("abstain", {}).get("threshold", 0.0)
    evaluation = {"heldout_query_copy": evals["copy"], "heldout_before_e2e": evals["pre"], "heldout": post,
                  "parity": {**report, "file_mib": sizes}}
    name = args.name or args.out.name
    manifest = write_bundle(args.out, name, cfg, run_dir / "tokenizer", files, abstain, training, evaluation)
    write_parity(parity, args.out / "parity.json")
    write_card(args.out, manifest, cfg, info)
    (run_dir / "result.json").write_text(json.dumps({"training": training, "evaluation": evaluation}, indent=2))
    log(f"bundle written to {args.out} in {round(time.time() - t_start, 1)}s")
    print(args.out.resolve())


if __name__ == "__main__":
    main()
