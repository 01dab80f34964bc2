"""Export a MiniLM-L6-shaped encoder (all-MiniLM-L6-v2's shape: BERT, 6 layers, hidden 384, 12 heads, FFN 1536,
WordPiece vocab 30,522, 512 positions) with RANDOM weights to ONNX, laid out as a transformers.js model folder.

Why random weights: the bench compares speed on the same chunks (the way Continue indexes with transformers.js),
and speed depends only on the shape. No model hub is reachable here, and no weights are needed for timing.

The WordPiece vocabulary is trained with `tokenizers` on the Python standard library's own sources (never on an
evaluation corpus, see /work/shared/eval/EXCLUDE), so tokenisation cost is realistic for code.

usage: python bench/python/export_minilm.py OUT_DIR
writes OUT_DIR/{config.json, tokenizer.json, tokenizer_config.json, onnx/model.onnx}
"""
import glob
import json
import math
import os
import sys
import sysconfig
from dataclasses import dataclass, asdict

import torch
import torch.nn as nn


@dataclass
class MiniLMConfig:
    vocab_size: int = 30522
    hidden_size: int = 384
    num_hidden_layers: int = 6
    num_attention_heads: int = 12
    intermediate_size: int = 1536
    max_position_embeddings: int = 512
    type_vocab_size: int = 2
    layer_norm_eps: float = 1e-12


class Layer(nn.Module):
    def __init__(self, c: MiniLMConfig):
        super().__init__()
        self.h, self.dh = c.num_attention_heads, c.hidden_size // c.num_attention_heads
        self.qkv = nn.Linear(c.hidden_size, 3 * c.hidden_size)
        self.out = nn.Linear(c.hidden_size, c.hidden_size)
        self.ln1 = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)
        self.ff1 = nn.Linear(c.hidden_size, c.intermediate_size)
        self.ff2 = nn.Linear(c.intermediate_size, c.hidden_size)
        self.ln2 = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)

    def forward(self, x, bias):  # x (B, T, C), bias (B, 1, 1, T)
        B, T, C = x.shape
        q, k, v = self.qkv(x).view(B, T, 3, self.h, self.dh).permute(2, 0, 3, 1, 4)  # 3 × (B, h, T, dh)
        att = (q @ k.transpose(-1, -2)) / math.sqrt(self.dh) + bias  # (B, h, T, T)
        y = (att.softmax(-1) @ v).transpose(1, 2).reshape(B, T, C)
        x = self.ln1(x + self.out(y))  # post-norm, as BERT
        return self.ln2(x + self.ff2(torch.nn.functional.gelu(self.ff1(x))))


class MiniLM(nn.Module):
    def __init__(self, c: MiniLMConfig):
        super().__init__()
        self.tok = nn.Embedding(c.vocab_size, c.hidden_size)
        self.pos = nn.Embedding(c.max_position_embeddings, c.hidden_size)
        self.typ = nn.Embedding(c.type_vocab_size, c.hidden_size)
        self.ln = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)
        self.layers = nn.ModuleList(Layer(c) for _ in range(c.num_hidden_layers))

    def forward(self, input_ids, attention_mask, token_type_ids):  # (B, T) each
        T = input_ids.shape[1]
        pos = torch.arange(T, device=input_ids.device).unsqueeze(0)
        x = self.ln(self.tok(input_ids) + self.pos(pos) + self.typ(token_type_ids))  # (B, T, C)
        bias = (1.0 - attention_mask[:, None, None, :].to(x.dtype)) * -1e4
        for layer in self.layers:
            x = layer(x, bias)
        return x  # last_hidden_state (B, T, C)


def train_wordpiece(out_dir: str, vocab_size: int) -> None:
    from tokenizers import BertWordPieceTokenizer
    stdlib = sysconfig.get_paths()['stdlib']
    files = sorted(f for f in glob.glob(os.path.join(stdlib, '**', '*.py'), recursive=True)
                   if 'site-packages' not in f and 'dist-packages' not in f)[:1500]
    def texts():  # a few stdlib files are not UTF-8; skip their undecodable bytes rather than the file
        for f in files:
            yield open(f, encoding='utf-8', errors='ignore').read()

    tok = BertWordPieceTokenizer(lowercase=True)
    tok.train_from_iterator(texts(), vocab_size=vocab_size, min_frequency=2)
    tok.enable_truncation(512)
    tok.save(os.path.join(out_dir, 'tokenizer.json'))
    json.dump({'tokenizer_class': 'BertTokenizer', 'do_lower_case': True, 'model_max_length': 512,
               'cls_token': '[CLS]', 'sep_token': '[SEP]', 'pad_token': '[PAD]', 'unk_token': '[UNK]',
               'mask_token': '[MASK]'}, open(os.path.join(out_dir, 'tokenizer_config.json'), 'w'), indent=1)


def main() -> None:
    out_dir = sys.argv[1] if len(sys.argv) > 1 else 'bench/results/tmp/minilm-l6-random'
    os.makedirs(os.path.join(out_dir, 'onnx'), exist_ok=True)
    torch.manual_seed(0)
    c = MiniLMConfig()
    train_wordpiece(out_dir, c.vocab_size)
    model = MiniLM(c).eval()
    B, T = 2, 16
    ids = torch.randint(0, c.vocab_size, (B, T))
    mask = torch.ones(B, T, dtype=torch.long)
    types = torch.zeros(B, T, dtype=torch.long)
    torch.onnx.export(model, (ids, mask, types), os.path.join(out_dir, 'onnx', 'model.onnx'),
                      input_names=['input_ids', 'attention_mask', 'token_type_ids'],
                      output_names=['last_hidden_state'], opset_version=17, dynamo=False,
                      dynamic_axes={n: {0: 'batch', 1: 'sequence'} for n in
                                    ['input_ids', 'attention_mask', 'token_type_ids', 'last_hidden_state']})
    json.dump({'model_type': 'bert', 'architectures': ['BertModel'], **asdict(c),
               'hidden_act': 'gelu', 'pad_token_id': 0, 'note': 'random weights, for speed comparison only'},
              open(os.path.join(out_dir, 'config.json'), 'w'), indent=1)
    params = sum(p.numel() for p in model.parameters())
    print(json.dumps({'out_dir': out_dir, 'params': params,
                      'onnx_bytes': os.path.getsize(os.path.join(out_dir, 'onnx', 'model.onnx'))}))


if __name__ == '__main__':
    main()
