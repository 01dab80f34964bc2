"""The experiment code (models/training/experiments): the raw-text reader, SCP's data-mix options, BM25, the
extractive baseline and the sketch-gain copy of a bundle."""
import json
import math
import random
import sys

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch
from onnx import TensorProto, helper, numpy_helper

from models.training import bpe
from models.training.config import tiny
from models.training.experiments.bm25 import BM25
from models.training.experiments.raw_reader import RawReader, block_prefix, raw_batch, raw_greedy
from models.training.experiments.reading import cited_blocks, extractive
from models.training.model import Generator
from models.training.synth_python import Sample
from models.training.train import build_models, scp

V, D = 300, 48


def pair():
    torch.manual_seed(0)
    gen = Generator(V, D, 2, 4, 32, 4, 5, 256).eval()
    raw = RawReader(V, D, 2, 4, 32, 4, 5, 256).eval()
    raw.load_state_dict(gen.state_dict())  # same parameters: both start from one pretrained generator
    return gen, raw


def test_raw_reader_without_blocks_is_the_generator():
    gen, raw = pair()
    ids = torch.randint(3, V, (2, 9))
    want, _ = gen(torch.zeros(2, 0, 32), ids)
    got, _ = raw(ids.new_zeros(0), ids)
    assert torch.allclose(got, want, atol=1e-5)


def test_raw_reader_block_ids_matter_and_cache_matches_full_pass():
    _, raw = pair()
    docs = [[5, 6, 7], [8, 9]]
    prompt = [1, 10, 11]
    ids, blk = block_prefix(docs, [0, 1])
    assert ids == [5, 6, 7, 8, 9] and blk == [0, 0, 0, 1, 1]
    seq = torch.tensor([ids + prompt])
    with_blocks, _ = raw(seq.new_zeros(0), seq, block_ids=torch.tensor([blk + [-1] * 3]))
    without, _ = raw(seq.new_zeros(0), seq)
    assert not torch.allclose(with_blocks, without)
    out = raw_greedy(raw, docs, prompt, 6)
    # the same decode without the KV cache: a full pass per token
    full = list(ids + prompt)
    blocks = blk + [-1] * len(prompt)
    for tok in out:
        logits, _ = raw(seq.new_zeros(0), torch.tensor([full]), block_ids=torch.tensor([blocks]))
        assert int(logits[0, -1].argmax()) == tok
        full.append(tok)
        blocks.append(-1)


def test_raw_batch_labels_only_the_answer():
    inputs, labels, blocks = raw_batch([([5, 6, 7], [0, 0, 1]), ([8], [0])], [[1, 20], [1, 21, 22]], [[30, 2], [31, 2]])
    assert inputs.tolist() == [[5, 6, 7, 1, 20, 30], [8, 1, 21, 22, 31, 0]]
    assert labels.tolist() == [[-100, -100, -100, -100, 30, 2], [-100, -100, -100, 31, 2, -100]]
    assert blocks.tolist() == [[0, 0, 1, -1, -1, -1], [0, -1, -1, -1, -1, -1]]


@pytest.fixture(scope="module")
def small_setup():
    code = "def add(a, b):\n    return a + b\n\ndef twice(x):\n    return add(x, x)\n" * 20
    tok = bpe.train_tokenizer([code], 300)
    cfg = tiny()
    cfg.model.vocab_size, cfg.model.enc_dim, cfg.model.gen_dim = 300, 32, 32
    cfg.scp.steps, cfg.scp.batch_size = 1, 4
    docs = [bpe.encode(tok, "def add(a, b):\n    return a + b\n"),
            bpe.encode(tok, "def twice(x):\n    return add(x, x)\n")]
    complex_ = Sample("complex", "python", "What calls `add`?", "`twice` [#1] calls `add` [#0]", [0, 1])
    simple = Sample("simple", "python", "What does `add` return?", "`a + b` [#0]", [0])
    return tok, cfg, docs, complex_, simple


def test_scp_reaches_complex_samples_only_with_multi_chunk(small_setup, tmp_path):
    tok, cfg, docs, complex_, simple = small_setup
    # By default (the shipped behaviour) two-chunk samples never reach SCP: a pool of only those is empty.
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with pytest.raises(IndexError):
        scp(build_models(cfg), [complex_], docs, tok, cfg, tmp_path / "a", random.Random(0))
    models = build_models(cfg)
    before = models.compressor.mem.detach().clone()
    scp(models, [complex_], docs, tok, cfg, tmp_path / "b", random.Random(0), multi_chunk=True)
    assert not torch.allclose(models.compressor.mem, before)  # the compressor learned from the two-block sample


def test_scp_kinds_filter(small_setup, tmp_path):
    tok, cfg, docs, complex_, simple = small_setup
    with pytest.raises(IndexError):  # no sample of the kept kinds
        scp(build_models(cfg), [simple], docs, tok, cfg, tmp_path, random.Random(0), kinds={"paraphrase"})


def test_bm25_and_extractive():
    texts = ["a.py\ndef parse_header(line): ...", "b.py\ndef render_page(tpl): ...", "c.py\nx = 1"]
    assert BM25(texts).top("how is the header parsed by parse_header", 2)[0] == 0
    assert extractive('def f():\n    """Return one.\n\n    Details."""\n    return 1') == "Return one."
    assert extractive("a = 1\n\nb = 2\nc = 3\nd = 4\ne = 5\nf = 6") == "a = 1\nb = 2\nc = 3\nd = 4\ne = 5"
    assert cited_blocks("uses `x` [2] and [1], again [2]; [0] is not a block") == [1, 0]


def test_variants_change_one_thing_each():
    from models.training.experiments.variants import BY_NAME, experiment_config
    assert BY_NAME["raw"].reader == "raw"
    assert {n: experiment_config(BY_NAME[n]).model.mem_tokens for n in ("cr4", "cr16", "cr32")} == \
        {"cr4": 64, "cr16": 16, "cr32": 8}
    mixes = {n: BY_NAME[n].scp_kinds for n in ("mix-s", "mix-sc", "mix-scp")}
    assert mixes == {"mix-s": ("simple",), "mix-sc": ("simple", "complex"),
                     "mix-scp": ("simple", "complex", "paraphrase")}
    for n, v in BY_NAME.items():
        if n.startswith("mix"):
            assert v.scp_multi_chunk and v.compression_rate == 16 and v.reader == "memory"


def test_answer_forms_are_built_from_the_definition_of_the_top_chunk(tmp_path):
    from models.training.experiments.answer_forms import EVAL_DIR, answer_forms, measure, top_definition
    src = ('import os\n\n\nclass Store:\n    """Keeps values on disk."""\n\n'
           '    def load(self, name, default=None):\n        """Read one value from the store."""\n'
           '        path = os.path.join(self.root, name)\n        return open(path).read()\n')
    # A chunk that starts at the method finds it; one inside the method's body finds it too (the enclosing one).
    assert top_definition(src, "store.py", 7, 10).qualname == "Store.load"
    assert top_definition(src, "store.py", 9, 10).qualname == "Store.load"
    forms = answer_forms("How are values read?", "store.py", top_definition(src, "store.py", 7, 10))
    assert forms["locator"] == "`Store.load` in `store.py` [1]."
    assert forms["+summary"] == "`Store.load` in `store.py` [1]. Read one value from the store."
    assert forms["paraphrase"] == "method `Store.load(name, default=None)`; Read one value from the store; calls read, open, join [1]."
    assert forms["question+both"].startswith("How are values read? `Store.load`")

    # measure() scores with the eval kit's own F1 (its real tools/score.py) against the kit's reference format: a
    # reference written for the test is matched by the form that restates it, and not by the locator.
    kit = tmp_path / "kit"
    (kit / "tools").mkdir(parents=True)
    (kit / "tools" / "score.py").symlink_to(EVAL_DIR / "tools" / "score.py")
    (kit / "corpora.json").write_text('{"lib": {"subdir": "pkg"}}')
    (kit / "sweqa.jsonl").write_text('{"id": "q1", "corpus": "lib", "question": "how are values read",'
                                     ' "reference_answer": "how are values read"}\n')
    (tmp_path / "corpora" / "lib" / "pkg").mkdir(parents=True)
    (tmp_path / "corpora" / "lib" / "pkg" / "store.py").write_text(src)
    preds = tmp_path / "sweqa.bm25.jsonl"
    preds.write_text('{"id": "q1", "answer": "x", "citations": [["store.py", 7, 10]]}\n')
    result = measure([preds], tmp_path / "corpora", kit)
    assert result["n"] == 1 and result["with_definition"] == 1
    assert result["token_f1"]["question"] == 1.0
    assert result["token_f1"]["locator"] == 0.0


def test_compare_eval_runs_pairs_questions_and_splits_top_k(tmp_path):
    from models.training.experiments.compare_eval_runs import compare, gold_files

    def write(path, rows):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(json.dumps(r) + "\n" for r in rows))

    eval_dir = tmp_path / "eval"
    write(eval_dir / "sweqa.jsonl", [{"id": "q1", "gold_files": ["a.py"], "gold_from": "paths"},
                                     {"id": "q2", "gold_files": ["b.py"], "gold_from": "paths"},
                                     {"id": "q3", "gold_files": ["c.py"], "gold_from": "symbols"}])
    write(eval_dir / "swebench_lite_loc.jsonl", [])
    write(tmp_path / "dev" / "changelog_loc.jsonl", [{"id": "knex@1.0.1", "gold_files": ["lib/a.js", "lib/b.js"]}])
    gold = gold_files(eval_dir, tmp_path / "dev")
    assert set(gold["sweqa"]) == {"q1", "q2"}  # symbols rows are not the headline
    assert gold["changelog_loc"] == {"knex@1.0.1": {"lib/a.js", "lib/b.js"}}  # the development kit's set
    ranked = {"base": {"memory": {"q1": ["x.py", "a.py"], "q2": ["b.py"]}, "lexical": {"q1": ["a.py"], "q2": ["y.py"]}},
              "cand": {"memory": {"q1": ["a.py"], "q2": ["y.py", "b.py"]}, "lexical": {"q1": ["a.py"], "q2": ["y.py"]}}}
    for run, by_ranking in ranked.items():
        for ranking, by_id in {**by_ranking, "fused": by_ranking["lexical"]}.items():
            write(tmp_path / run / "libs" / "predictions" / f"sweqa.{ranking}.jsonl",
                  [{"id": i, "files": files} for i, files in by_id.items()])
    out = compare(tmp_path / "base", {"cand": tmp_path / "cand"}, gold, k=1)
    memory = out["paired"]["cand"]["memory"]["sweqa"]
    assert (memory["n"], memory["better"], memory["worse"]) == (2, 1, 1)  # q1: 1/2 -> 1; q2: 1 -> 1/2
    assert memory["mrr_difference"] == 0.0 and memory["paired_se"] > 0
    assert out["paired"]["cand"]["lexical"]["sweqa"]["paired_se"] == 0.0
    assert out["top_k_split"]["base"]["sweqa"] == {"n": 2, "memory only": 1, "lexical only": 1, "both": 0,
                                                   "neither": 0}
    assert out["top_k_split"]["cand"]["sweqa"] == {"n": 2, "memory only": 0, "lexical only": 0, "both": 1,
                                                   "neither": 1}


def sketch_gain_graph(path, gain):
    """A stand-in encoder file: output = input * exp(enc.sketch.log_gain), the way the exported sketch applies it."""
    log_gain = numpy_helper.from_array(np.array(math.log(gain), dtype=np.float32), "enc.sketch.log_gain")
    graph = helper.make_graph(
        [helper.make_node("Exp", ["enc.sketch.log_gain"], ["g"]), helper.make_node("Mul", ["x", "g"], ["memory"])],
        "sketch", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])],
        [helper.make_tensor_value_info("memory", TensorProto.FLOAT, [2])], initializer=[log_gain])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8), str(path))


def test_sketch_query_gain_changes_only_the_query_file(tmp_path, monkeypatch):
    from models.training.bundle import sha256
    from models.training.experiments import sketch_query_gain
    src = tmp_path / "bundle"
    src.mkdir()
    for name in ("query.onnx", "compressor.onnx"):
        sketch_gain_graph(src / name, 26.0)
    manifest = {"version": "v1", "sha256": {n: sha256(src / n) for n in ("query.onnx", "compressor.onnx")}}
    (src / "manifest.json").write_text(json.dumps(manifest))

    def run(out, *extra):
        monkeypatch.setattr(sys, "argv", ["x", "--bundle", str(src), "--out", str(out), *extra])
        sketch_query_gain.main()
        return json.loads((out / "manifest.json").read_text())

    def output(f):
        return ort.InferenceSession(str(f)).run(None, {"x": np.array([1.0, -2.0], dtype=np.float32)})[0]

    q = run(tmp_path / "q", "--gain", "1000")
    assert np.allclose(output(tmp_path / "q" / "query.onnx"), [1000.0, -2000.0], rtol=1e-4)
    assert np.allclose(output(tmp_path / "q" / "compressor.onnx"), [26.0, -52.0], rtol=1e-4)
    # memories unchanged: same version, so indexes built with the original are reused
    assert q["version"] == "v1" and q["sha256"]["compressor.onnx"] == manifest["sha256"]["compressor.onnx"]
    assert q["sha256"]["query.onnx"] == sha256(tmp_path / "q" / "query.onnx") != manifest["sha256"]["query.onnx"]

    both = run(tmp_path / "b", "--gain", "1000", "--compressor-gain", "500")
    assert np.allclose(output(tmp_path / "b" / "compressor.onnx"), [500.0, -1000.0], rtol=1e-4)
    assert both["version"] == "v1-cg500"  # the memories differ: their own indexes

    sketch_gain_graph(src / "query.onnx", 26.0)
    plain = onnx.load(str(src / "query.onnx"))
    plain.graph.initializer[0].name = "other"
    onnx.save(plain, str(src / "query.onnx"))
    with pytest.raises(SystemExit, match="no token sketch"):
        run(tmp_path / "p", "--gain", "10")


@pytest.mark.parametrize("quantised", [False, True], ids=["fp32 file", "int8 file"])
def test_kit_token_bags_reads_the_sketch_back_from_an_exported_compressor(tmp_path, quantised):
    # --idf-from: the idf and hash projection the trained sketch uses, read back from compressor.onnx as export writes
    # it (quantize_dynamic stores the tables as uint8 with a scale and zero point): a bag projected with them points
    # where the model's own sketch of the same tokens does.
    from models.training.export_onnx import export_encoder, quantize
    from models.training.experiments.kit_token_bags import bundle_sketch
    from models.training.model import MemoryEncoder

    torch.manual_seed(0)
    enc = MemoryEncoder(128, 16, 1, 2, 24, 4, lexical_hashes=4).eval()  # export samples ids below 100
    idf = torch.rand(128) * 6
    enc.sketch.set_idf(idf)
    export_encoder(enc, tmp_path / "fp32.onnx", 24)
    if quantised:
        quantize(tmp_path / "fp32.onnx", tmp_path / "compressor.onnx")
    else:
        (tmp_path / "fp32.onnx").rename(tmp_path / "compressor.onnx")
    got_idf, projection = bundle_sketch(tmp_path)
    step = 6 / 255 if quantised else 1e-6
    assert got_idf.shape == (128,) and np.abs(got_idf - idf.numpy()).max() <= step
    ids = torch.randint(3, 128, (1, 20))
    tf = np.bincount(ids[0].numpy(), minlength=128).astype(np.float32)
    ours = (tf * got_idf) @ projection
    theirs = enc.sketch(ids, torch.ones_like(ids))[0].detach().numpy()[: projection.shape[1]]
    cosine = float(ours @ theirs / np.linalg.norm(ours) / np.linalg.norm(theirs))
    assert cosine > (0.995 if quantised else 0.99999)
