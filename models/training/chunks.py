"""Split source files into chunks of at most ~doc_max_tokens tokens, aligned to definitions, the way the engine's
tree-sitter chunker does: one top-level function/class per chunk, big classes split per method, the rest in windows."""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from .corpus import SourceFile

# ~3.3 characters per token on code (ML-NOTES): 256 tokens ~ 850 characters; the tokenizer truncates the rest.
MAX_CHARS = 850


@dataclass
class Chunk:
    id: int
    repo: str
    path: str
    language: str
    start_line: int   # 1-based, inclusive
    end_line: int
    symbol: str
    code: str


def _windows(lines: list[str], start: int, end: int, symbol: str) -> list[tuple[int, int, str]]:
    """Greedy line windows over [start, end] (1-based) of at most MAX_CHARS characters."""
    out, s, size = [], start, 0
    for i in range(start, end + 1):
        n = len(lines[i - 1]) + 1
        if size + n > MAX_CHARS and i > s:
            out.append((s, i - 1, symbol))
            s, size = i, 0
        size += n
    if s <= end:
        out.append((s, end, symbol))
    return out


def _python_spans(text: str, lines: list[str]) -> list[tuple[int, int, str]]:
    tree = ast.parse(text)
    spans: list[tuple[int, int, str]] = []
    pending: list[int] = []  # line numbers of loose top-level statements, grouped into windows

    def flush() -> None:
        if pending:
            spans.extend(_windows(lines, pending[0], pending[-1], ""))
            pending.clear()

    def size(a: int, b: int) -> int:
        return sum(len(lines[i - 1]) + 1 for i in range(a, b + 1))

    for node in tree.body:
        start = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
        end = node.end_lineno or node.lineno
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            flush()
            if size(start, end) <= MAX_CHARS:
                spans.append((start, end, node.name))
            elif isinstance(node, ast.ClassDef):
                body_defs = [b for b in node.body if isinstance(b, (ast.FunctionDef, ast.AsyncFunctionDef))]
                cursor = start
                for b in body_defs:
                    bstart = min([b.lineno] + [d.lineno for d in b.decorator_list])
                    if bstart > cursor:
                        spans.extend(_windows(lines, cursor, bstart - 1, node.name))
                    spans.extend(_windows(lines, bstart, b.end_lineno or b.lineno, f"{node.name}.{b.name}"))
                    cursor = (b.end_lineno or b.lineno) + 1
                if cursor <= end:
                    spans.extend(_windows(lines, cursor, end, node.name))
            else:
                spans.extend(_windows(lines, start, end, node.name))
        else:
            pending.extend(range(start, end + 1))
            if size(pending[0], pending[-1]) > MAX_CHARS:
                flush()
    flush()
    return spans


# Top-level declarations in brace languages: a line starting at column 0 with one of these keywords.
DECL_RE = re.compile(r"^(export\s+)?(default\s+)?(async\s+)?(func|function|class|interface|type|const|let|var|"
                     r"public|private|protected|abstract|final|enum)\b")
NAME_RE = re.compile(r"^(?:export\s+)?(?:default\s+)?(?:async\s+)?(?:func\s+(?:\([^)]*\)\s*)?|function\*?\s+|class\s+|"
                     r"interface\s+|type\s+|const\s+|let\s+|var\s+|enum\s+)([A-Za-z_$][\w$]*)")


def _brace_spans(lines: list[str]) -> list[tuple[int, int, str]]:
    starts = [i + 1 for i, ln in enumerate(lines) if DECL_RE.match(ln)]
    if not starts or starts[0] != 1:
        starts = [1] + starts
    spans = []
    for a, b in zip(starts, starts[1:] + [len(lines) + 1]):
        m = NAME_RE.match(lines[a - 1])
        spans.extend(_windows(lines, a, b - 1, m.group(1) if m else ""))
    # merge tiny neighbours so chunks are not one-liners
    merged: list[tuple[int, int, str]] = []
    for s in spans:
        if merged and sum(len(lines[i - 1]) + 1 for i in range(merged[-1][0], s[1] + 1)) <= MAX_CHARS // 2:
            merged[-1] = (merged[-1][0], s[1], merged[-1][2] or s[2])
        else:
            merged.append(s)
    return merged


def chunk_file(f: SourceFile, first_id: int) -> list[Chunk]:
    lines = f.text.split("\n")
    spans: list[tuple[int, int, str]]
    if f.language == "python":
        try:
            spans = _python_spans(f.text, lines)
        except (SyntaxError, ValueError, RecursionError):
            spans = _windows(lines, 1, len(lines), "")
    else:
        spans = _brace_spans(lines)
    out = []
    for s, e, sym in spans:
        code = "\n".join(lines[s - 1:e])
        if code.strip():
            out.append(Chunk(first_id + len(out), f.repo, f.path, f.language, s, e, sym, code))
    return out


def chunk_files(files: list[SourceFile]) -> list[Chunk]:
    chunks: list[Chunk] = []
    for f in files:
        chunks.extend(chunk_file(f, len(chunks)))
    return chunks


def format_doc(template: str, chunk: Chunk) -> str:
    return template.replace("{path}", chunk.path).replace("{code}", chunk.code)
