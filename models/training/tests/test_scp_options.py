"""SCP's options beyond CLaRa's CE + MSE: the in-batch contrastive term (questions encoded by the compressor land on
their own chunk's memory), path augmentation (chunks read under moved paths) and same-repository batches."""
import random

import torch
import torch.nn.functional as F

from models.training import batches as B
from models.training import bpe
from models.training.chunks import Chunk
from models.training.config import tiny
from models.training.synth_python import Sample
from models.training.train import ScpBatches, build_models, in_batch_contrastive, scp

FUNCS = ["parse_header", "render_page", "open_socket", "hash_password", "read_config", "send_email"]


def setup():
    torch.manual_seed(0)  # model init: the runs below are then the same every time
    code = "".join(f"def {f}(value):\n    return {f}_impl(value)\n\n" for f in FUNCS) * 10
    tok = bpe.train_tokenizer([code], 400)
    cfg = tiny()
    cfg.model.vocab_size, cfg.model.enc_dim, cfg.model.gen_dim = 400, 32, 32
    docs = [bpe.encode(tok, f"def {f}(value):\n    return {f}_impl(value)\n") for f in FUNCS]
    samples = [Sample("simple", "python", f"What does `{f}` return?", f"`{f}_impl(value)` [#0]", [i])
               for i, f in enumerate(FUNCS)]
    return tok, cfg, docs, samples


def top1(models, tok, cfg, docs, samples) -> float:
    comp = models.compressor.eval()
    with torch.no_grad():
        d = comp(*B.doc_tensors(docs)).flatten(1)
        q = comp(*B.doc_tensors([bpe.encode(tok, s.question, cfg.model.query_max_tokens) for s in samples])).flatten(1)
    scores = F.normalize(q, dim=-1) @ F.normalize(d, dim=-1).T
    return (scores.argmax(1) == torch.arange(len(samples))).float().mean().item()


def test_contrastive_term_teaches_the_compressor_to_retrieve(tmp_path):
    tok, cfg, docs, samples = setup()
    cfg.scp.steps, cfg.scp.batch_size, cfg.scp.lr = 150, 6, 3e-3  # 1.0 for model seeds 0-4; plain stays at 1/6
    cfg.scp_contrastive = 0.0  # CLaRa's SCP alone first
    (tmp_path / "plain").mkdir()
    (tmp_path / "ctr").mkdir()
    plain, with_ctr = build_models(cfg), build_models(cfg)
    with_ctr.compressor.load_state_dict(plain.compressor.state_dict())
    with_ctr.generator.load_state_dict(plain.generator.state_dict())
    scp(plain, samples, docs, tok, cfg, tmp_path / "plain", random.Random(0))
    cfg.scp_contrastive = 1.0
    scp(with_ctr, samples, docs, tok, cfg, tmp_path / "ctr", random.Random(0))
    assert top1(with_ctr, tok, cfg, docs, samples) == 1.0
    assert top1(plain, tok, cfg, docs, samples) < 1.0


def test_a_chunk_drawn_twice_is_not_its_own_negative():
    tok, cfg, docs, samples = setup()
    models = build_models(cfg)
    group = [samples[0], samples[0], samples[1]]
    mem = models.compressor(*B.doc_tensors([docs[s.chunks[0]] for s in group]))
    loss = in_batch_contrastive(models.compressor, mem, group, tok, cfg)
    q = models.compressor(*B.doc_tensors([bpe.encode(tok, s.question, cfg.model.query_max_tokens) for s in group]))
    logits = F.normalize(q.flatten(1), dim=-1) @ F.normalize(mem.flatten(1), dim=-1).T / cfg.align_temperature
    # row 0 competes with chunk 1 only (column 1 is the same chunk), row 1 likewise, row 2 with both copies of chunk 0
    rows = [([0, 2], 0), ([1, 2], 0), ([0, 1, 2], 2)]
    expected = sum(F.cross_entropy(logits[r, cols].unsqueeze(0), torch.tensor([gold])) for r, (cols, gold) in
                   enumerate(rows)) / 3
    assert abs(loss.item() - expected.item()) < 1e-3  # bf16 autocast inside; unmasking would add ~0.3


def test_relocated_docs_move_each_path_under_one_prefix_reproducibly():
    tok, cfg, docs, samples = setup()
    chunks = [Chunk(i, "npm:left-pad@1.3.0/lib", f"lib/{f}.js", "javascript", 1, 2, f, f"function {f}() {{}}")
              for i, f in enumerate(FUNCS)]
    moved = B.relocated_docs(tok, chunks, cfg, seed=5)
    assert moved == B.relocated_docs(tok, chunks, cfg, seed=5)
    plain = B.encode_docs(tok, chunks, cfg)
    assert all(m != p for m, p in zip(moved, plain))
    texts = [tok.decode(ids) for ids in moved]
    prefixes = [p.replace("{source}", "left-pad") for p in B.PATH_PREFIXES]
    for text, chunk in zip(texts, chunks):
        assert any(text.startswith(p + chunk.path + "\n") for p in prefixes), text
        assert text.endswith(chunk.code)


def test_scp_reads_moved_paths_only_when_asked(tmp_path):
    tok, cfg, docs, samples = setup()
    cfg.scp.steps, cfg.scp.batch_size = 1, 6
    moved = [[5] * 3 + d for d in docs]
    seen = []

    class Spy(torch.nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, ids, mask, return_tokens=False):
            seen.append(ids.clone())
            return self.inner(ids, mask, return_tokens)

    for p, expect_moved in ((0.0, False), (1.0, True)):
        cfg.path_augment = p
        models = build_models(cfg)
        models.compressor = Spy(models.compressor)
        seen.clear()
        (tmp_path / str(p)).mkdir()
        scp(models, samples, docs, tok, cfg, tmp_path / str(p), random.Random(0), relocated=moved)
        first = seen[0][0].tolist()
        assert (first[:3] == [5, 5, 5]) == expect_moved


def test_same_repository_batches():
    """cfg.scp_same_repo: that share of SCP batches comes from one repository; at 0 the draws are the plain ones."""
    cfg = tiny()
    cfg.scp.batch_size = 8
    pool = [Sample("simple", "python", f"q{i}", "a [#0]", [i], repo=f"r{i % 3}") for i in range(30)]
    plain_rng, rng = random.Random(5), random.Random(5)
    plain = [[plain_rng.choice(pool) for _ in range(8)] for _ in range(20)]
    draw = ScpBatches(pool, cfg, rng)
    assert [draw.next() for _ in range(20)] == plain
    cfg.scp_same_repo = 1.0
    draw = ScpBatches(pool, cfg, random.Random(5))
    batches = [draw.next() for _ in range(40)]
    assert all(len({s.repo for s in b}) == 1 for b in batches)
    assert len({b[0].repo for b in batches}) == 3, "every repository is drawn"
    cfg.scp_same_repo = 0.5
    draw = ScpBatches(pool, cfg, random.Random(5))
    mixed = [len({s.repo for s in draw.next()}) for _ in range(200)]
    assert 60 < mixed.count(1) < 140
