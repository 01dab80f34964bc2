"""SCP data for brace languages (JavaScript, TypeScript, Go) by careful line-level parsing of declarations:
which file defines a name, parameters, Go result types, `extends` relations, callers across chunks, paraphrases."""
from __future__ import annotations

import random
import re

from .chunks import Chunk
from .synth_python import Definition, Sample, complex_samples, paraphrase_sample, short

JS_FUNC = re.compile(r"^\s*(?:export\s+)?(?:default\s+)?(?:async\s+)?function\*?\s+([A-Za-z_$][\w$]*)\s*(?:<[^>]*>)?"
                     r"\(([^)]*)\)")
JS_ARROW = re.compile(r"^\s*(?:export\s+)?(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*=\s*(?:async\s+)?"
                      r"(?:function\s*\(([^)]*)\)|\(([^)]*)\)\s*=>)")
JS_CLASS = re.compile(r"^\s*(?:export\s+)?(?:default\s+)?(?:abstract\s+)?class\s+([A-Za-z_$][\w$]*)"
                      r"(?:\s*<[^>]*>)?(?:\s+extends\s+([A-Za-z_$][\w$.]*))?")
GO_FUNC = re.compile(r"^func\s+(?:\((\w+)\s+\*?(\w+)[^)]*\)\s*)?(\w+)\s*\(([^)]*)\)\s*([^{]*)\{?")
GO_TYPE = re.compile(r"^type\s+(\w+)\s+(struct|interface)\b")
CALL = re.compile(r"\b([A-Za-z_$][\w$]*)\s*\(")
RETURN = re.compile(r"^\s*return\s+(.+?);?\s*$")
COMMENT = re.compile(r"^\s*(?://+|/\*+|\*)\s?(.*?)\s*(?:\*/)?$")
KEYWORDS = {"if", "for", "while", "switch", "return", "function", "catch", "typeof", "new", "func", "make", "len",
            "append", "require", "super", "Error"}


def _doc_above(lines: list[str], idx: int) -> str:
    """First sentence of the comment block right above line idx (0-based)."""
    texts: list[str] = []
    i = idx - 1
    while i >= 0 and COMMENT.match(lines[i]) and lines[i].strip():
        t = COMMENT.match(lines[i]).group(1)
        if t and not t.startswith("@"):
            texts.insert(0, t)
        i -= 1
    text = " ".join(texts)
    first = re.split(r"(?<=[.!?])\s", text)[0].rstrip(".") if text else ""
    words = first.split()
    return " ".join(words[:12]) if len(words) >= 3 else ""


def _params(raw: str) -> list[str]:
    return [short(p.strip(), 24) for p in raw.split(",") if p.strip()][:6]


def extract_definitions(text: str, path: str, chunks: list[Chunk], language: str) -> list[Definition]:
    lines = text.split("\n")
    defs: list[Definition] = []

    def chunk_at(line: int) -> Chunk | None:
        for c in chunks:
            if c.start_line <= line <= c.end_line:
                return c
        return None

    for i, ln in enumerate(lines):
        d = None
        if language == "go":
            m = GO_FUNC.match(ln)
            if m:
                recv, name = m.group(2), m.group(3)
                d = Definition(name, f"{recv}.{name}" if recv else name, "method" if recv else "function", -1, path,
                               i + 1, params=_params(m.group(4)), cls=recv or "")
                res = m.group(5).strip()
                if res:
                    d.returns.append(short(res, 30))
            else:
                m = GO_TYPE.match(ln)
                if m:
                    d = Definition(m.group(1), m.group(1), "class", -1, path, i + 1)
        else:
            m = JS_FUNC.match(ln) or JS_ARROW.match(ln)
            if m:
                raw = m.group(2) if m.lastindex and m.group(2) is not None else (m.group(3) or "")
                d = Definition(m.group(1), m.group(1), "function", -1, path, i + 1, params=_params(raw))
            else:
                m = JS_CLASS.match(ln)
                if m:
                    d = Definition(m.group(1), m.group(1), "class", -1, path, i + 1,
                                   bases=[m.group(2)] if m.group(2) else [])
        if d is None:
            continue
        c = chunk_at(i + 1)
        if c is None:
            continue
        d.chunk = c.id
        d.doc = _doc_above(lines, i)
        if d.kind in ("function", "method"):
            body = lines[i + 1: c.end_line]
            for b in body:
                r = RETURN.match(b)
                if r and language != "go" and len(d.returns) < 2:
                    d.returns.append(short(r.group(1), 36))
                for call in CALL.findall(b):
                    if call not in KEYWORDS and call != d.name and call not in d.calls:
                        d.calls.append(call)
            d.calls = d.calls[:6]
        defs.append(d)
    return defs


def synthesise_brace(text: str, path: str, chunks: list[Chunk], language: str,
                     rng: random.Random) -> tuple[list[Sample], list[Definition]]:
    defs = extract_definitions(text, path, chunks, language)
    out: list[Sample] = []
    for d in defs:
        q = d.qualname
        if d.kind == "class":
            out.append(Sample("simple", language, rng.choice([f"Which file defines `{d.name}`?",
                                                              f"Where is type {d.name} declared?"]),
                              f"`{d.name}` is defined in `{d.path}` [#0].", [d.chunk]))
            if d.bases:
                out.append(Sample("simple", language, f"What does `{d.name}` extend?",
                                  f"`{d.name}` extends `{d.bases[0]}` [#0].", [d.chunk]))
        else:
            out.append(Sample("simple", language, rng.choice([f"Where is `{q}` defined?", f"Which file defines {q}?"]),
                              f"`{q}` is defined in `{d.path}` [#0].", [d.chunk]))
            out.append(Sample("simple", language, rng.choice([f"What parameters does `{q}` take?",
                                                              f"Signature of `{q}`?"]),
                              f"`{d.name}({short(', '.join(d.params), 60)})` [#0]." if d.params
                              else f"`{q}` takes no arguments [#0].", [d.chunk]))
            if d.returns:
                verb = "returns type" if language == "go" else "returns"
                out.append(Sample("simple", language, f"What does `{q}` return?",
                                  f"`{q}` {verb} `{d.returns[0]}` [#0].", [d.chunk]))
        if d.doc:
            out.append(Sample("simple", language, f"What does `{q}` do?", f"{d.doc} [#0].", [d.chunk]))
            s = d.doc[0].lower() + d.doc[1:]
            if d.name.lower() not in s.lower():
                out.append(Sample("nlq", language, rng.choice(["How do I {s}?", "Where is the code that does this: {s}?",
                                                               "Find the code to {s}."]).format(s=s),
                                  f"`{q}` in `{d.path}` [#0].", [d.chunk]))
        p = paraphrase_sample(d, language)
        if p is not None:
            out.append(p)
    out.extend(s for s in complex_samples(defs, language, rng))
    return out, defs
