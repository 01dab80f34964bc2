"""Okapi BM25 over chunk texts (k1 = 1.2, b = 0.75), identifiers split on non-alphanumerics (snake_case -> words).
Used to fix the chunks every reader of the sweep reads, and to pick the extractive baseline's chunk."""
from __future__ import annotations

import collections
import math
import re

WORD = re.compile(r"[a-z0-9]+")


def words(text: str) -> list[str]:
    return WORD.findall(text.lower())


class BM25:
    """`terms` turns a text into its terms: the words above by default, or e.g. a tokenizer's ids; `query_terms` does
    the same for a query (default: `terms`), where the two sides are cut differently."""

    def __init__(self, texts: list[str], k1: float = 1.2, b: float = 0.75, terms=words, query_terms=None):
        self.k1, self.b, self.query_terms = k1, b, query_terms or terms
        self.tf = [collections.Counter(terms(t)) for t in texts]
        self.len = [sum(c.values()) for c in self.tf]
        self.avg = sum(self.len) / max(1, len(self.len))
        df: collections.Counter = collections.Counter()
        for c in self.tf:
            df.update(c.keys())
        n = len(texts)
        self.idf = {w: math.log(1 + (n - d + 0.5) / (d + 0.5)) for w, d in df.items()}
        self.postings: dict[str, list[int]] = collections.defaultdict(list)
        for i, c in enumerate(self.tf):
            for w in c:
                self.postings[w].append(i)

    def scores(self, query: str) -> dict[int, float]:
        out: dict[int, float] = collections.defaultdict(float)
        for w in set(self.query_terms(query)):
            idf = self.idf.get(w)
            if idf is None:
                continue
            for i in self.postings[w]:
                f = self.tf[i][w]
                out[i] += idf * f * (self.k1 + 1) / (f + self.k1 * (1 - self.b + self.b * self.len[i] / self.avg))
        return out

    def top(self, query: str, k: int) -> list[int]:
        s = self.scores(query)
        return sorted(s, key=lambda i: (-s[i], i))[:k]
