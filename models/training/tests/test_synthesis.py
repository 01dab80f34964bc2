"""SCP synthesis on a small fixture: every kind appears, facts are right, sources point at the right chunks."""
import random

from models.training.batches import place_markers
from models.training.chunks import chunk_file
from models.training.corpus import SourceFile, check_not_excluded
from models.training.synth_python import name_words, synthesise_python
from models.training.synth_regex import synthesise_brace

PY = '''"""Shapes."""
import math

MAX_SIDES = 12


class Shape:
    """Base class for plane shapes."""

    def area(self):
        raise NotImplementedError("subclasses compute it")

    def describe(self):
        return f"{self.name}: {self.area()}"


class Circle(Shape):
    def __init__(self, radius=1.0):
        self.radius = radius

    def area(self):
        """Compute the area of the circle from its radius."""
        return math.pi * self.radius ** 2


def scale(shape, factor=2):
    """Return a copy of the shape grown by a factor."""
    if factor <= 0:
        raise ValueError("factor must be positive")
    return make_circle(shape.radius * factor)


def make_circle(r):
    return Circle(r)
'''

JS = '''// Geometry helpers.
import { x } from "./x";

/**
 * Add two vectors component by component.
 */
export function addVectors(a, b) {
  return [a[0] + b[0], a[1] + b[1]];
}

export class Square extends Shape {
  constructor(side) { super(); this.side = side; }
}
'''

GO = '''package geo

// Point is a location on the plane.
type Point struct { X, Y float64 }

// Dist returns the distance between two points.
func (p *Point) Dist(q Point) float64 {
	return math.Hypot(p.X-q.X, p.Y-q.Y)
}
'''


def synth(text, path="geo/shapes.py"):
    f = SourceFile("test", "test/geo", path, "python", text)
    chunks = chunk_file(f, 0)
    samples, defs = synthesise_python(text, path, chunks, random.Random(0))
    return chunks, samples, {d.qualname: d for d in defs}


def test_chunks_follow_definitions():
    chunks, _, _ = synth(PY)
    symbols = [c.symbol for c in chunks]
    assert {"Shape", "Circle", "scale", "make_circle"} <= set(symbols)
    assert all(c.code == "\n".join(PY.split("\n")[c.start_line - 1:c.end_line]) for c in chunks)


def test_facts_from_ast():
    chunks, samples, defs = synth(PY)
    assert defs["scale"].params == ["shape", "factor=2"]
    assert defs["scale"].raises == ["ValueError"]
    assert defs["scale"].returns == ["make_circle(shape.radius * factor)"]
    assert defs["Circle"].bases == ["Shape"]
    assert defs["MAX_SIDES"].value == "12"
    answers = " ".join(s.answer for s in samples)
    assert "`MAX_SIDES` is set to `12`" in answers
    assert "Return a copy of the shape grown by a factor" in answers


def test_every_kind_and_sources():
    chunks, samples, defs = synth(PY)
    kinds = {s.kind for s in samples}
    assert kinds == {"simple", "complex", "paraphrase", "nlq"}
    by_id = {c.id: c for c in chunks}
    for s in samples:
        assert s.chunks and all(i in by_id for i in s.chunks)
        assert "[#0]" in s.answer
    calls = [s for s in samples if s.kind == "complex" and "make_circle" in s.answer and "scale" in s.answer]
    assert calls and by_id[calls[0].chunks[0]].symbol == "scale" and by_id[calls[0].chunks[1]].symbol == "make_circle"
    overrides = [s for s in samples if "overrides" in s.answer]
    assert overrides and "`Circle.area` [#0] overrides `Shape.area` [#1]" in overrides[0].answer


def test_nlq_avoids_identifier():
    _, samples, _ = synth(PY)
    for s in samples:
        if s.kind == "nlq":
            assert "scale" not in s.question and "area" not in s.question.split()[0]


def test_described_questions_use_words_not_identifiers():
    f = SourceFile("test", "test/geo", "geo/shapes.py", "python", PY)
    chunks = chunk_file(f, 0)
    samples, found = synthesise_python(PY, "geo/shapes.py", chunks, random.Random(0), described=True)
    defs = {d.qualname: d for d in found}
    described = [s for s in samples if s.kind == "described"]
    assert described
    names = {d.name for d in defs.values() if "_" in d.name or any(c.isupper() for c in d.name[1:])}
    for s in described:
        assert not any(n in s.question for n in names), s.question
        assert s.answer.startswith("`") and "[#0]" in s.answer
    assert name_words("TaggedJSONSerializer") == "tagged json serializer"
    assert name_words("open_resource") == "open resource"
    assert name_words("urllib/parse.py") == "urllib parse"


def test_markers_follow_block_positions():
    assert place_markers("`f` [#0] calls `g` [#1].", [3, 0]) == "`f` [4] calls `g` [1]."
    assert place_markers("`f` [#0] calls `g` [#1].", [None, 1]) == "`f` calls `g` [2]."


def test_brace_languages():
    for text, lang, path, name in ((JS, "javascript", "geo/vec.js", "addVectors"), (GO, "go", "geo/p.go", "Point.Dist")):
        f = SourceFile("test", "test/geo", path, lang, text)
        chunks = chunk_file(f, 0)
        samples, defs = synthesise_brace(text, path, chunks, lang, random.Random(0))
        assert name in {d.qualname for d in defs}
        assert any(name in s.question for s in samples)
    _, defs = synthesise_brace(JS, "geo/vec.js", chunk_file(SourceFile("t", "t", "geo/vec.js", "javascript", JS), 0),
                               "javascript", random.Random(0))
    d = {x.qualname: x for x in defs}
    assert d["addVectors"].params == ["a", "b"] and d["addVectors"].doc.startswith("Add two vectors")
    assert d["Square"].bases == ["Shape"]


def test_excluded_sources_refused():
    import pytest
    with pytest.raises(SystemExit):
        check_not_excluded("npm:express@4.21.2", ["npm:express"])
    with pytest.raises(SystemExit):
        check_not_excluded("deb:python3-flask", ["debian:python3-flask"])
    check_not_excluded("deb:golang-1.19-src", ["debian:golang-1.19-src:src/net/http"])  # only a folder is held out


def test_devkit_packages_are_held_out_of_every_config():
    """The development kit's questions choose training changes, so no config may train on their code."""
    import pytest
    from models.training.config import CONFIGS
    from models.training.corpus import load_devkit_exclude
    held_out = load_devkit_exclude()
    assert "npm:knex" in held_out
    with pytest.raises(SystemExit, match="held out"):
        check_not_excluded("npm:knex@3.1.0", held_out)
    for make in CONFIGS.values():
        for source in make().corpus.sources:
            check_not_excluded(source, held_out)
