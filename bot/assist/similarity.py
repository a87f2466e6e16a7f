"""Local text similarity, no model needed: words reduced to terms, topics scored by the
idf-weighted share of their terms a text mentions, and BM25 weights for FAQ search.

Deliberately small: lower-casing, a stop-word list and a light plural strip make "databases"
meet "database"; rare terms weigh more than common ones.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

MAX_SCANNED = 4000  # characters of a text that are read; the rest adds little but cost
MAX_TERM = 40

_WORD = re.compile(r"\w[\w+#.-]*[\w+#]|\w")
_STOP_WORDS_TEXT = """
a about after again all also am an and any anyone are as at be been before being but by can
could did do does doing done for from get got had has have having he her here hi how i if in
into is it its just know like me my need no not of on or our out please so some someone
something than thanks that the their them then there these they this those to too try trying
up us use using very was we were what when where which who why will with would you your
"""
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())


def stem(word: str) -> str:
    if len(word) > 5 and word.endswith("ing"):
        word = word[:-3]
    elif len(word) > 4 and word.endswith("ies"):
        word = word[:-3] + "y"
    elif len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        word = word[:-1]
    return word


def terms(text: str) -> list[str]:
    """The text's searchable terms, in order, repeats kept."""
    found = []
    for word in _WORD.findall(text[:MAX_SCANNED].lower()):
        word = word.strip("._-")
        if word and word not in STOP_WORDS and len(word) <= MAX_TERM:
            found.append(stem(word))
    return found


def idf(documents: int, containing: int) -> float:
    """BM25's idf: rare terms weigh more; never negative."""
    return math.log(1 + (documents - containing + 0.5) / (containing + 0.5))


class TopicIndex:
    """Scores how strongly a text is about each topic, from 0 to 1.

    A topic is described by its name and optional keywords (`postgres: "postgresql sql
    vacuum"`). Mentioning the whole name, or as much keyword weight as the name has, scores 1.
    """

    def __init__(self, topics: Mapping[str, str] | Iterable[str]) -> None:
        described = topics if isinstance(topics, Mapping) else {t: "" for t in topics}
        self._name_terms: dict[str, set[str]] = {}
        self._postings: dict[str, set[str]] = {}
        for topic, keywords in described.items():
            name_terms = set(terms(topic)) or {topic.lower()}
            self._name_terms[topic] = name_terms
            for term in name_terms | set(terms(keywords or "")):
                self._postings.setdefault(term, set()).add(topic)
        count = max(1, len(self._name_terms))
        self._idf = {term: idf(count, len(docs)) for term, docs in self._postings.items()}
        self._full = {topic: sum(self._idf.get(t, 0.0) for t in name_terms) or 1.0
                      for topic, name_terms in self._name_terms.items()}

    @property
    def topics(self) -> list[str]:
        return list(self._name_terms)

    def scores(self, text: str) -> dict[str, float]:
        gained: dict[str, float] = {}
        for term in set(terms(text)):
            for topic in self._postings.get(term, ()):
                gained[topic] = gained.get(topic, 0.0) + self._idf[term]
        return {topic: min(1.0, weight / self._full[topic]) for topic, weight in gained.items()}

    def tags(self, text: str, *, threshold: float = 0.5, limit: int = 5) -> list[str]:
        ranked = sorted(self.scores(text).items(), key=lambda kv: (-kv[1], kv[0]))
        return [topic for topic, score in ranked[:limit] if score >= threshold]


def term_counts(*texts: str) -> Counter[str]:
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(terms(text))
    return counts


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=False))
    norm = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return dot / norm if norm else 0.0
