"""SCP data from Python program structure (the `ast` module is the teacher): simple QA, complex QA over two chunks,
paraphrases and natural-language questions from docstrings. Answers cite their chunks with placeholders `[#i]`
(i = index into Sample.chunks) that the training stages turn into `[n]` for the block position n."""
from __future__ import annotations

import ast
import random
import re
from dataclasses import dataclass, field

from .chunks import Chunk


@dataclass
class Sample:
    kind: str          # simple | complex | paraphrase | nlq | described
    language: str
    question: str
    answer: str        # with [#i] citation placeholders
    chunks: list[int]  # source chunk ids (citation targets)
    repo: str = ""


@dataclass
class Definition:
    name: str
    qualname: str
    kind: str                     # function | method | class | constant
    chunk: int
    path: str
    line: int
    params: list[str] = field(default_factory=list)
    returns: list[str] = field(default_factory=list)
    raises: list[str] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)
    bases: list[str] = field(default_factory=list)
    doc: str = ""
    value: str = ""
    cls: str = ""
    self_sets: list[str] = field(default_factory=list)
    self_reads: list[str] = field(default_factory=list)


def short(text: str, n: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 3] + "..."


def summary(doc: str | None) -> str:
    """First sentence of a docstring, one line, at most ~12 words."""
    if not doc:
        return ""
    first = doc.strip().split("\n\n")[0]
    first = " ".join(first.split())
    first = re.split(r"(?<=[.!?])\s", first)[0].rstrip(".")
    words = first.split()
    if len(words) < 3 or first.startswith((":", "..", ">>>")):
        return ""
    return " ".join(words[:12])


def _params(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str]:
    a = fn.args
    pos = a.posonlyargs + a.args
    defaults = [None] * (len(pos) - len(a.defaults)) + list(a.defaults)
    out = []
    for arg, d in zip(pos, defaults):
        if arg.arg in ("self", "cls"):
            continue
        out.append(arg.arg if d is None else f"{arg.arg}={short(ast.unparse(d), 16)}")
    if a.vararg:
        out.append("*" + a.vararg.arg)
    for arg, d in zip(a.kwonlyargs, a.kw_defaults):
        out.append(arg.arg if d is None else f"{arg.arg}={short(ast.unparse(d), 16)}")
    if a.kwarg:
        out.append("**" + a.kwarg.arg)
    return out


def _call_name(node: ast.Call) -> str:
    f = node.func
    if isinstance(f, ast.Name):
        return f.id
    if isinstance(f, ast.Attribute):
        return f.attr
    return ""


def _walk_own(fn: ast.AST):
    """Nodes of a function body, not descending into nested functions/classes."""
    stack = list(ast.iter_child_nodes(fn))
    while stack:
        n = stack.pop()
        yield n
        if not isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            stack.extend(ast.iter_child_nodes(n))


def _function_def(fn, qual: str, kind: str, cls: str, chunk: int, path: str) -> Definition:
    d = Definition(fn.name, qual, kind, chunk, path, fn.lineno, params=_params(fn), doc=summary(ast.get_docstring(fn)),
                   cls=cls)
    for n in _walk_own(fn):
        if isinstance(n, ast.Return) and n.value is not None:
            d.returns.append(short(ast.unparse(n.value), 36))
        elif isinstance(n, ast.Raise) and n.exc is not None:
            exc = n.exc.func if isinstance(n.exc, ast.Call) else n.exc
            name = ast.unparse(exc)
            if len(name) < 40 and name not in d.raises:
                d.raises.append(name)
        elif isinstance(n, ast.Call):
            c = _call_name(n)
            if c and c not in d.calls and c not in ("len", "isinstance", "str", "int", "super", "print"):
                d.calls.append(c)
        elif isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id == "self":
            target = d.self_sets if isinstance(n.ctx, ast.Store) else d.self_reads
            if n.attr not in target:
                target.append(n.attr)
    d.returns = d.returns[:3]
    return d


def extract_definitions(text: str, path: str, chunks: list[Chunk]) -> list[Definition]:
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError):
        return []

    def chunk_at(line: int) -> int | None:
        for c in chunks:
            if c.start_line <= line <= c.end_line:
                return c.id
        return None

    defs: list[Definition] = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            cid = chunk_at(node.lineno)
            if cid is not None:
                defs.append(_function_def(node, node.name, "function", "", cid, path))
        elif isinstance(node, ast.ClassDef):
            cid = chunk_at(node.lineno)
            if cid is None:
                continue
            bases = [short(ast.unparse(b), 30) for b in node.bases]
            defs.append(Definition(node.name, node.name, "class", cid, path, node.lineno, bases=bases,
                                   doc=summary(ast.get_docstring(node))))
            for b in node.body:
                if isinstance(b, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    bid = chunk_at(b.lineno)
                    if bid is not None:
                        defs.append(_function_def(b, f"{node.name}.{b.name}", "method", node.name, bid, path))
        elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            name = node.targets[0].id
            cid = chunk_at(node.lineno)
            value = ast.unparse(node.value)
            if cid is not None and name.isupper() and len(value) <= 40:
                defs.append(Definition(name, name, "constant", cid, path, node.lineno, value=value))
    return defs


def simple_samples(d: Definition, lang: str, rng: random.Random) -> list[Sample]:
    out: list[Sample] = []

    def add(kind: str, q: str, a: str) -> None:
        out.append(Sample(kind, lang, q, a, [d.chunk]))

    q = d.qualname
    if d.kind in ("function", "method"):
        if d.returns:
            add("simple", rng.choice([f"What does `{q}` return?", f"What is the return value of {q}?",
                                      f"{q} returns what?"]), f"`{q}` returns `{d.returns[0]}` [#0].")
        if d.params:
            add("simple", rng.choice([f"What parameters does `{q}` take?", f"What are the arguments of {q}?",
                                      f"Signature of `{q}`?"]), f"`{d.name}({short(', '.join(d.params), 60)})` [#0].")
        else:
            add("simple", f"What parameters does `{q}` take?", f"`{q}` takes no arguments [#0].")
        if d.raises:
            add("simple", rng.choice([f"What does `{q}` raise?", f"Which exceptions can {q} raise?"]),
                f"`{q}` raises {', '.join('`' + r + '`' for r in d.raises[:2])} [#0].")
        if d.doc:
            add("simple", rng.choice([f"What does the docstring of `{q}` say?", f"What is {q} for?",
                                      f"What does `{q}` do?"]), f"{d.doc} [#0].")
        if d.kind == "method":
            add("simple", rng.choice([f"Which class defines `{d.name}`?", f"Where is the method {d.name} defined?"]),
                f"`{d.name}` is a method of `{d.cls}` in `{d.path}` [#0].")
        else:
            add("simple", rng.choice([f"Which file defines `{d.name}`?", f"Where is {d.name} defined?"]),
                f"`{d.name}` is defined in `{d.path}` [#0].")
    elif d.kind == "class":
        add("simple", rng.choice([f"Which file defines class `{d.name}`?", f"Where is class {d.name}?"]),
            f"Class `{d.name}` is defined in `{d.path}` [#0].")
        if d.bases:
            add("simple", f"What are the base classes of `{d.name}`?",
                f"`{d.name}` derives from {', '.join('`' + b + '`' for b in d.bases[:3])} [#0].")
        if d.doc:
            add("simple", rng.choice([f"What is class `{d.name}` for?", f"What does the {d.name} class do?"]),
                f"{d.doc} [#0].")
    elif d.kind == "constant":
        add("simple", rng.choice([f"What is `{d.name}` set to?", f"What is the value of {d.name}?"]),
            f"`{d.name}` is set to `{d.value}` [#0].")
    return out


def paraphrase_sample(d: Definition, lang: str) -> Sample | None:
    """Normalised description: signature, docstring summary, calls, side effects."""
    if d.kind not in ("function", "method", "class"):
        return None
    if d.kind == "class":
        text = f"class `{d.name}`" + (f"({', '.join(d.bases[:2])})" if d.bases else "")
    else:
        text = f"{'method' if d.kind == 'method' else 'function'} `{d.qualname}({short(', '.join(d.params), 40)})`"
    parts = [text]
    if d.doc:
        parts.append(d.doc)
    if d.calls:
        parts.append("calls " + ", ".join(d.calls[:3]))
    if d.self_sets:
        parts.append("sets " + ", ".join("self." + s for s in d.self_sets[:2]))
    if d.raises:
        parts.append("raises " + d.raises[0])
    return Sample("paraphrase", lang, f"Describe `{d.qualname}`.", "; ".join(parts) + " [#0].", [d.chunk])


NLQ_TEMPLATES = ["How do I {s}?", "Where is the code that does this: {s}?", "Find the code to {s}.",
                 "Which function handles: {s}?", "{s} - where is that implemented?"]


def nlq_sample(d: Definition, lang: str, rng: random.Random) -> Sample | None:
    """CodeSearchNet-style: the question paraphrases the docstring and avoids the identifier."""
    if not d.doc or d.kind == "constant":
        return None
    s = d.doc[0].lower() + d.doc[1:]
    if d.name.lower() in s.lower():
        return None
    q = rng.choice(NLQ_TEMPLATES).format(s=s)
    return Sample("nlq", lang, q, f"`{d.qualname}` in `{d.path}` [#0].", [d.chunk])


def name_words(name: str) -> str:
    """An identifier as the words a person would say: `open_resource` -> "open resource",
    `TaggedJSONSerializer` -> "tagged json serializer", `urllib/parse.py` -> "urllib parse"."""
    name = re.sub(r"\.\w+$", "", name) if "/" in name else name
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1 \2", name))
    return " ".join(w.lower() for w in re.split(r"[^A-Za-z0-9]+", spaced) if w)


DESCRIBED_TEMPLATES = {
    "method": ["How does the {name} method of the {cls} class work?", "Where is the {name} method of {cls} implemented?",
               "What does the {cls} {name} method do in {module}?"],
    "function": ["Where is the function that does {name} in {module}?", "How does {module} {name} work?",
                 "Which function handles {name}?"],
    "class": ["Where is the {name} class defined?", "What is the {name} class in {module} for?",
              "How is the {name} class implemented?"],
}


def described_sample(d: Definition, lang: str, rng: random.Random) -> Sample | None:
    """A question that names the definition by the words of its identifiers (and its class and module), never the
    identifier itself, as people (and SWE-QA) ask: "the open resource method of the app class" for `App.open_resource`."""
    if d.kind not in DESCRIBED_TEMPLATES:
        return None
    words = name_words(d.name)
    if len(words) < 3 or words.replace(" ", "") == d.name:
        return None  # a one-word lower-case name would be the identifier itself
    q = rng.choice(DESCRIBED_TEMPLATES[d.kind]).format(name=words, cls=name_words(d.cls), module=name_words(d.path))
    return Sample("described", lang, q, f"`{d.qualname}` in `{d.path}` [#0].", [d.chunk])


def complex_samples(defs: list[Definition], lang: str, rng: random.Random) -> list[Sample]:
    """Relations whose two ends live in different chunks: callers/callees, inheritance/overrides,
    attributes produced in one method and consumed in another."""
    by_name: dict[str, list[Definition]] = {}
    for d in defs:
        by_name.setdefault(d.name, []).append(d)
    out: list[Sample] = []
    for d in defs:
        if d.kind in ("function", "method"):
            for callee in d.calls[:4]:
                targets = [t for t in by_name.get(callee, []) if t.kind in ("function", "method", "class")]
                if len(targets) == 1 and targets[0].chunk != d.chunk:
                    t = targets[0]
                    if rng.random() < 0.5:
                        out.append(Sample("complex", lang, f"Which function calls `{t.qualname}`?",
                                          f"`{d.qualname}` [#0] calls `{t.qualname}` [#1].", [d.chunk, t.chunk]))
                    else:
                        out.append(Sample("complex", lang, f"What does `{d.qualname}` call, and where is it defined?",
                                          f"`{d.qualname}` [#0] calls `{t.qualname}` in `{t.path}` [#1].",
                                          [d.chunk, t.chunk]))
                    break
        if d.kind == "class":
            for b in d.bases[:2]:
                bt = [t for t in by_name.get(b.split(".")[-1], []) if t.kind == "class"]
                if len(bt) == 1 and bt[0].chunk != d.chunk:
                    out.append(Sample("complex", lang, f"What does class `{d.name}` inherit from, and where is it?",
                                      f"`{d.name}` [#0] inherits from `{bt[0].name}` in `{bt[0].path}` [#1].",
                                      [d.chunk, bt[0].chunk]))
                    base_methods = {m.name: m for m in defs if m.kind == "method" and m.cls == bt[0].name}
                    for m in defs:
                        if m.kind == "method" and m.cls == d.name and m.name in base_methods \
                                and not m.name.startswith("__") and base_methods[m.name].chunk != m.chunk:
                            bm = base_methods[m.name]
                            out.append(Sample("complex", lang, f"Which method does `{m.qualname}` override?",
                                              f"`{m.qualname}` [#0] overrides `{bm.qualname}` [#1].",
                                              [m.chunk, bm.chunk]))
                            break
        if d.kind == "method" and d.self_sets:
            for attr in d.self_sets[:2]:
                readers = [m for m in defs if m.kind == "method" and m.cls == d.cls and m.chunk != d.chunk
                           and attr in m.self_reads and attr not in m.self_sets]
                if readers:
                    r = readers[0]
                    out.append(Sample("complex", lang, f"Where is `self.{attr}` of `{d.cls}` set and where is it used?",
                                      f"`{d.qualname}` sets it [#0]; `{r.qualname}` reads it [#1].",
                                      [d.chunk, r.chunk]))
                    break
    return out


def synthesise_python(text: str, path: str, chunks: list[Chunk], rng: random.Random,
                      described: bool = False) -> tuple[list[Sample], list[Definition]]:
    defs = extract_definitions(text, path, chunks)
    samples: list[Sample] = []
    for d in defs:
        samples.extend(simple_samples(d, "python", rng))
        extra = described_sample(d, "python", rng) if described else None
        for s in (paraphrase_sample(d, "python"), nlq_sample(d, "python", rng), extra):
            if s is not None:
                samples.append(s)
    samples.extend(complex_samples(defs, "python", rng))
    return samples, defs
