"""SCP's in-batch contrastive term: questions encoded by the compressor land on their own chunk's memory."""
import random

import torch
import torch.nn.functional as F

from models.training import batches as B
from models.training import bpe
from models.training.config import tiny
from models.training.synth_python import Sample
from models.training.train import build_models, in_batch_contrastive, scp

FUNCS = ["parse_header", "render_page", "open_socket", "hash_password", "read_config", "send_email"]


def setup():
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
    cfg.scp.steps, cfg.scp.batch_size, cfg.scp.lr = 60, 6, 3e-3
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
