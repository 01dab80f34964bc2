"""MODEL_CARD.md for a bundle, generated from what the run measured (manifest.json) and the data it used."""
from __future__ import annotations

import json
from pathlib import Path

from .config import TrainConfig


def _lexical_path(m) -> str:
    out = ""
    if m.lexical_dim:
        out += (f"\n- **lexical path** (compressor and query reasoner): each input token also has a learned "
                f"{m.lexical_dim}-d vector;\n  their sum over the input, divided by the square root of its length, is "
                f"projected onto all {m.mem_tokens}×{m.enc_dim} memory\n  values and added to the slots' hidden states "
                f"(docs/MODEL.md,\n  \"Lexical path in the memory encoders\"; a deviation from CLaRa).")
    if m.lexical_hashes:
        out += (f"\n- **token sketch** (compressor and query reasoner): the input's tokens, each weighted by its idf "
                f"over the training\n  chunks, hashed at {m.lexical_hashes} fixed signed positions each onto all "
                f"{m.mem_tokens}×{m.enc_dim} memory values, scaled to unit\n  norm times one learned gain and added to "
                f"the slots' hidden states; nothing else in it is trained\n  (docs/MODEL.md, \"A fixed token sketch in "
                f"the memory encoders\"; a deviation from CLaRa).")
    return out


# What the cards of separate-network bundles say about the choice (docs/MODEL.md measures it).
WHY_SEPARATE = """\
- Why separate networks rather than CLaRa's one backbone with an adapter per role: separate networks are the form
  trained at the shipped length, calibrated and measured through the product. The shared form was first measured shorter,
  on tiny-broad's data (docs/MODEL.md, "Separate networks or one shared backbone"). It ranks far better than separate
  networks trained the same way and answers worse: held-out MRR 0.392 against 0.164 and token F1 0.314 against 0.341
  with the shipped tiny bundle's pretraining and a quarter of its SCP. With the shipped bundle's instruction and
  end-to-end steps as well, and calibrated, its memories rank as the shipped tiny bundle's do, within chance, but
  fused with the lexical index the product ranks worse (SWE-bench Lite MRR 0.553 against 0.614) and answers no
  better. At the full shipped length (tiny-broad-long-shared, 29 Nov 2026) sharing ranks better on its own
  (memory-alone MRR on SWE-QA 0.477 against 0.405, SWE-bench Lite 0.280 against 0.225, CoSQA 0.137 against 0.073)
  and answers held-out questions better (token F1 0.439 against 0.398), but fused at the shipped weight the
  product's ranking is within chance of separate networks', and calibrated (memory weight 0.3) a little below
  (SWE-QA −0.025 ± 0.015 MRR, SWE-bench Lite −0.015 ± 0.021, CoSQA −0.009 ± 0.013), so the default bundle stays
  separate networks."""


def _form(m) -> str:
    if not m.adapter_rank:
        return "three separate small transformers (pre-LN, GELU MLP, learned positions)"
    return f"""one shared backbone (token embedding and {m.enc_layers} pre-LN
blocks, GELU MLP) that the three roles read through their own rank-{m.adapter_rank} adapters on every linear layer, as
CLaRa's roles read one LLM through LoRA adapters; each role keeps its own positions, memory slots and final norm, and
the files hold each role with its adapters folded into its own copy of the weights"""


def _form_why(m) -> str:
    if not m.adapter_rank:
        return WHY_SEPARATE
    return """\
- The backbone trains in the generator's pretraining and in SCP, then freezes with the compressor; the query reasoner
  and the generator then learn through their adapters only (docs/MODEL.md, "Separate networks or one shared
  backbone")."""


def _process(tr: dict) -> str:
    if tr.get("exported_on"):  # run.py --train-only on a GPU machine, then --trained here
        return (f"(its data, stages and held-out evaluation); the weights came back in bf16 and were exported and "
                f"checked for parity on {tr['exported_on']}")
    return "(its data, stages, evaluation, export and parity)"


def _precision(tr: dict) -> str:
    return f"; {tr['precision']}" if tr.get("precision") else ""


def _table(rows: list[list], head: list[str]) -> str:
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


def _load(tr: dict) -> str:
    load = tr.get("load_average_at_end")
    if not load:
        return "The machine's load during the run was not recorded."
    cores = tr.get("cores", 2)  # records before "cores" existed were all made on 2-core machines
    return f"Load average at the end of the run (1 / 5 / 15 min): {' / '.join(str(x) for x in load)} on {cores} cores."


def _described(cfg: TrainConfig) -> str:
    if not cfg.synth_described:
        return ""
    return (", described (the definition named by the words of its identifiers, its class and module, never the\n"
            "identifier: \"the open resource method of the app class\" for `App.open_resource`)")


def _snapping_line(par: dict) -> str:
    """What rounding the weights to the int8 grid changed, when a file is w8 (parity.snapping_effect)."""
    eff = par.get("snapped_vs_trained")
    if not eff:
        return ""
    return (f"Snapped vs trained weights (PyTorch): memory cosine min {json.dumps(eff['memory_cosine_min'])}; greedy "
            f"decodes identical on {eff['greedy_identical']}/{eff['greedy_cases']} prompts.\n")


def write_card(out: Path, manifest: dict, cfg: TrainConfig, info: dict) -> None:
    tr, ev, m = manifest["training"], manifest["evaluation"], cfg.model
    held = ev.get("heldout", {})
    pre = ev.get("heldout_before_e2e", {})
    corpus_rows = [[c["source"], c["version"], c["files"], c["bytes"]] for c in info["corpus"]]
    sample_rows = [[lang, k, n] for lang, kinds in info["samples"].items() for k, n in sorted(kinds.items())]
    ret = held.get("retrieval", {})
    ret0 = pre.get("retrieval", {})
    retc = ev.get("heldout_query_copy", {}).get("retrieval", {})
    ans = held.get("answer", {})
    par = ev["parity"]
    text = f"""# {manifest['name']} — model card

Generated by `models/training/run.py --config {cfg.name}` (see docs/MODEL.md). Version `{manifest['version']}`.
Every number in the generated sections was measured by that run; sections added after it ("Measured through the
product after the run") say when and how their numbers were measured.

## Architecture
CLaRa (arXiv 2511.18659) at small scale, {_form(m)}:
- **compressor**: bidirectional encoder d={m.enc_dim}, {m.enc_layers} layers, {m.enc_heads} heads, vocab {m.vocab_size};
  L={m.mem_tokens} learned memory slots appended after the ≤{m.doc_max_tokens} chunk tokens (compression rate
  {m.compression_rate}); memory = final hidden states at the slots, [L, d] = [{m.mem_tokens}, {m.enc_dim}].{_lexical_path(m)}
- **query reasoner**: same shape and the same memory slots, initialised as a copy of the compressor after SCP,
  then trained end-to-end; questions ≤{m.query_max_tokens} tokens.
- **generator**: causal decoder d={m.gen_dim}, {m.gen_layers} layers, {m.gen_heads} heads; a linear projector maps
  memory vectors to its width, plus a learned block embedding per memory block (how it knows which block is [n]);
  reads k={m.max_blocks} blocks ({m.max_blocks * m.mem_tokens} prefix vectors), then the prompt; KV cache.
{_form_why(m)}
- Parameters: {json.dumps(tr['parameters'])}.
- Retrieval: cosine over the flattened L·d memories; `abstain_below` = {manifest['retrieval']['abstain_below']}
  ({manifest['retrieval'].get('abstain_calibration', {}).get('method', tr['abstain_calibration'])}).

## Corpus (deduplicated by content hash; /work/shared/eval/EXCLUDE respected)
{_table(corpus_rows, ['source', 'version', 'files', 'bytes'])}

Chunks: {info['chunks']['train']} train, {info['chunks']['heldout']} held out (files split by path hash, never trained
on); mean {info['mean_chunk_tokens']} tokens per chunk.

## SCP data synthesised from program structure (train split)
{_table(sample_rows, ['language', 'kind', 'samples'])}

Kinds: simple (returns, parameters/defaults, raises, defining class/file, docstring, constant values), complex
(two chunks: callers/callees, inheritance/overrides, attribute set in one method and read in another), paraphrase
(normalised description: signature, docstring summary, calls, side effects), nlq (question from the docstring
without the identifier){_described(cfg)}. Every sample records its source chunk(s); answers cite them as [n].

## Training ({tr['hardware']}; torch {tr['torch']}{_precision(tr)})
Stages and steps: {json.dumps(tr['steps'])}; training seconds per stage (summed over resumed segments):
{json.dumps(tr['stage_seconds'])}; the last process ran {tr.get('wall_clock_s_last_process', tr.get('wall_clock_s'))} s
{_process(tr)}. {_load(tr)} Date {tr['date']}.
1. generator next-token pretraining on code chunks; 2. SCP: CE + {cfg.mse_lambda}·MSE(mean memory, mean token
states), one block, + {cfg.scp_contrastive}·InfoNCE (deviation from CLaRa, see below); 3. instruction: k={cfg.topk_k} blocks (gold + same-file/same-repository hard negatives, shuffled),
answers cite block positions, compressor frozen; 4. query-reasoner warm-up (deviation from CLaRa, see below):
InfoNCE over the whole cached index, question → the chunk it was synthesised from, temperature
{cfg.align_temperature}; 5. end-to-end: frozen compressor with cached memories, query reasoner + generator trained by
the next-token loss only through the straight-through top-k (τ={cfg.topk_tau}, k={cfg.topk_k}, pool of
{cfg.pool_size} with same-repository hard negatives), no relevance labels.

Why SCP's contrastive term: CLaRa's compressor learns from the generation loss alone, which works on a large
pretrained LLM whose states already tell documents apart. Ours start from scratch, and with CE + MSE alone their
memories did not: the query reasoner, whatever its training, ranked held-out chunks at chance (tiny, 1,678 held-out
questions over 3,914 chunks: MRR 0.007 and 0.010 for two seeds). So SCP also encodes each sample's question with the
compressor itself and pulls it towards its chunk's memory against the other chunks of the batch (InfoNCE on flat
cosine, temperature {cfg.align_temperature}). Same measurement with it: MRR 0.197 and 0.216; weight 3 measured 0.172
and 0.175; answer F1 from the gold chunk unchanged (docs/MODEL.md, "Discriminative memories").

Why the warm-up: with the query reasoner initialised as a copy of the compressor (CLaRa's recipe) held-out retrieval
was at chance for models this small (table below, first column), and the end-to-end stage alone did not lift it:
its pool rarely held the gold chunk in the top k, so the next-token loss had little to learn from.

## Evaluation
### Held-out synthesized questions (files never trained on; {held.get('index_chunks', '?')} chunks indexed)
| measure | query = compressor copy (CLaRa init) | after the warm-up | after e2e (shipped) |
|---|---|---|---|
| Recall@1 | {retc.get('recall@1', '–')} | {ret0.get('recall@1', '–')} | {ret.get('recall@1', '–')} |
| Recall@5 | {retc.get('recall@5', '–')} | {ret0.get('recall@5', '–')} | {ret.get('recall@5', '–')} |
| Recall@10 | {retc.get('recall@10', '–')} | {ret0.get('recall@10', '–')} | {ret.get('recall@10', '–')} |
| MRR | {retc.get('mrr', '–')} | {ret0.get('mrr', '–')} | {ret.get('mrr', '–')} |

Questions: {ret.get('n', 0)} answerable. Per kind after e2e: {json.dumps(held.get('retrieval_by_kind', {}))}.
Answers from the top-{cfg.topk_k} retrieved memories ({ans.get('n', 0)} questions): token-F1
{ans.get('token_f1_retrieved', '–')}, the answer cites the gold block {ans.get('citation_hit_retrieved', '–')};
with the gold chunk placed first: token-F1 {ans.get('token_f1_oracle_first', '–')}.
Abstain calibration: {json.dumps(held.get('abstain', {}))}.

### /work/shared/eval (never trained on)
The training run does not touch the evaluation sets. They are measured through the product after it
(`npm run calibrate`, then `clara eval`; docs/EVALUATION.md); the figures for a shipped bundle follow in a section
added after those runs, with their dates and commands.

## Export and parity
ONNX opset 17, constant-folded; per file the first precision where parity holds, fewest fp32 files first
(docs/MODEL.md, "Export and parity"): `int8` = `quantize_dynamic` (int8 weights and activations), `int8pc` = the
same with per-channel scales, `w8` = weight-only int8 (the weights rounded to a per-channel int8 grid after training,
stored as int8, computed in fp32). Precision per file: {json.dumps(par.get('precision'))}; sizes (MiB):
{json.dumps(par.get('file_mib'))}.
onnxruntime (Python) vs PyTorch fp32 (for a `w8` file, the snapped network it was exported from): minimum memory
cosine {json.dumps(par.get('memory_cosine_min'))}; greedy tokens identical on
{par.get('greedy_identical')}/{par.get('greedy_cases')} prompts (KV-cache decoding, memories from compressor.onnx).
{_snapping_line(par)}`parity.json` holds the cases for the node replay.

## Limits
Small models trained from scratch for minutes to hours: answers are short templated facts, learned from synthesized
data only; they are often wrong on code unlike the training corpus. Use the citations and the retrieval inspector.
"""
    (out / "MODEL_CARD.md").write_text(text)
