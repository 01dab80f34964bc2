"""Byte-level BPE: special ids, byte-exact round trip on code with unicode, save/load equality."""
import json

import pytest

from models.training import bpe

CORPUS = ["def f(x):\n    return x * 2\n", "class A:\n\tpass\r\n", "const s = 'héllo 世界 🚀';\n"] * 50
CASES = ["def add(a, b):\n    return a + b\n", "tabs\tand\r\nCRLF\r\n", "naïve = 'ünïcödé' # 日本語 🐍👩‍💻\n",
         "", "   ", "Кириллица"]


@pytest.fixture(scope="module")
def tok():
    return bpe.train_tokenizer(CORPUS, 400)


def test_special_ids(tok):
    assert [tok.token_to_id(s) for s in ("<pad>", "<s>", "</s>")] == [0, 1, 2]


@pytest.mark.parametrize("text", CASES)
def test_round_trip(tok, text):
    ids = bpe.encode(tok, text)
    assert tok.decode(ids) == text
    assert all(i > 2 for i in ids), "no special tokens are added"


def test_special_token_in_template_is_one_id(tok):
    assert bpe.encode(tok, "<s>question:")[0] == 1


def test_save_load_same_ids(tok, tmp_path):
    bpe.save_tokenizer(tok, tmp_path, 256)
    loaded = bpe.load_tokenizer(tmp_path / "tokenizer.json")
    for t in CASES:
        assert bpe.encode(loaded, t) == bpe.encode(tok, t)
    cfg = json.loads((tmp_path / "tokenizer_config.json").read_text())
    assert cfg["bos_token"] == "<s>" and cfg["eos_token"] == "</s>" and cfg["pad_token"] == "<pad>"


def test_truncation(tok):
    assert len(bpe.encode(tok, "x = 1\n" * 100, 7)) == 7
