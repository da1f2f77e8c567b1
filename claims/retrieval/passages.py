"""Passage selection: which sentence of a document is worth quoting for a claim.

Sentences of one document are ranked for the claim by a fusion of BM25 (statistics
of that document alone) and all-MiniLM-L6-v2 cosine, each sentence also taking a
share of its neighbours' scores (the evidence for a claim is often split over
consecutive sentences). A claim that names a date (a year, or a month) also gets
the page's plainest statement of that date, its dateline, among the first
``DATELINE_RANK`` sentences: a claim's "in 2013" is supported by the page saying
when it was written, a short line ("May 12, 2013 - 6:00pm") that BM25 and the
embeddings both rank low. The provider stores the best one with its offsets; the
evaluation (claims.evaluation.passages) calls the very same :func:`score_sentences`.

Plain Python: no Django.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from .text import split_sentences, terms

# Tuned on WiCE dev (docs/evaluation.md, "Evidence passages").
LEXICAL_WEIGHT = 1.0
SEMANTIC_WEIGHT = 0.5
NEIGHBOUR_SHARE = 0.2
BM25_K1, BM25_B = 0.9, 0.5
# Not tuned: on WiCE dev every rank from 2 to 10 and every word limit from 8 up
# (none) give the same figures. 5 keeps the dateline out of the first place (the
# suggested quote) and in a short list; 12 words holds "Thu 6 Sep 2018 10.54 EDT"
# and a byline with its date, not a sentence that happens to name the year.
DATELINE_RANK = 5
DATELINE_MAX_WORDS = 12

Encode = Callable[[list[str]], np.ndarray]


@dataclass(frozen=True)
class ScoredSpan:
    start: int
    end: int
    score: float


def bm25_scores(query: str, sentences: Sequence[str]) -> np.ndarray:
    """BM25 of each sentence for ``query``, with document frequencies over ``sentences``."""
    docs = [Counter(terms(s)) for s in sentences]
    n = len(docs)
    if n == 0:
        return np.zeros(0)
    avg = sum(sum(d.values()) for d in docs) / n or 1.0
    df = Counter(t for d in docs for t in d)
    q = set(terms(query))
    out = np.zeros(n)
    for i, d in enumerate(docs):
        length = sum(d.values())
        s = 0.0
        for t in q:
            f = d.get(t)
            if f:
                idf = math.log(1 + (n - df[t] + 0.5) / (df[t] + 0.5))
                s += idf * f * (BM25_K1 + 1) / (f + BM25_K1 * (1 - BM25_B + BM25_B * length / avg))
        out[i] = s
    return out


_MONTHS = {m: i for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split(), start=1)}
_MONTH = re.compile(
    r"\b(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?"
    r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b",
    re.IGNORECASE,
)
_YEAR = re.compile(r"(?<![\d.,])(1[5-9]\d\d|20\d\d)(?!\d|[.,]\d)")
_ISO_DATE = re.compile(r"\b(1[5-9]\d\d|20\d\d)-([01]\d)-([0-3]\d)\b")
_DAY = re.compile(r"^\W{0,3}([0-3]?\d)(?:st|nd|rd|th)?\b")
_DAY_BEFORE = re.compile(r"\b([0-3]?\d)(?:st|nd|rd|th)?\W{0,3}$")
_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class DateParts:
    years: frozenset[int]
    months: frozenset[int]
    days: frozenset[int]  # days of the month written next to a month (or in an ISO date)


def date_parts(text: str) -> DateParts:
    """Years, months and days of the month that ``text`` names ("6 Sep 2018", "August 24, 2016",
    "2016-08-24"). A month in lower case is not a month ("may", "march" as words)."""
    years = {int(y) for y in _YEAR.findall(text)}
    months: set[int] = set()
    days: set[int] = set()
    for year, month, day in _ISO_DATE.findall(text):
        if 1 <= int(month) <= 12 and 1 <= int(day) <= 31:
            months.add(int(month))
            days.add(int(day))
    for match in _MONTH.finditer(text):
        if match.group().islower():
            continue
        months.add(_MONTHS[match.group()[:3].lower()])
        for found in (_DAY.match(text[match.end() : match.end() + 8]), _DAY_BEFORE.search(text[max(0, match.start() - 8) : match.start()])):
            if found and 1 <= int(found.group(1)) <= 31:
                days.add(int(found.group(1)))
    return DateParts(frozenset(years), frozenset(months), frozenset(days))


def dateline(query: str, sentences: Sequence[str]) -> int | None:
    """The sentence that states the claim's date most plainly, or None.

    Only for a claim that names a year or a month. A candidate has at most
    ``DATELINE_MAX_WORDS`` words and shares the claim's year (or, for a claim
    without a year, its month); the best has the most date parts in common
    (year 1, month and day 0.5 each, the day only with its month), then writes a
    date (names a month: "May 26, 2019 / 4:47 PM" before a heading "The worst
    movies of 2019"), then has the fewest words, then comes first.
    """
    claim = date_parts(query)
    if not claim.years and not claim.months:
        return None
    best: tuple[float, bool, int] | None = None
    found = None
    for i, sentence in enumerate(sentences):
        words = len(_WORD.findall(sentence))
        if words > DATELINE_MAX_WORDS:
            continue
        parts = date_parts(sentence)
        year = len(claim.years & parts.years)
        month = len(claim.months & parts.months)
        if claim.years and not year or not claim.years and not month:
            continue
        key = (year + 0.5 * month + (0.5 * len(claim.days & parts.days) if month else 0.0), bool(parts.months), -words)
        if best is None or key > best:
            best, found = key, i
    return found


def score_sentences(
    query: str,
    sentences: Sequence[str],
    *,
    encode: Encode | None,
    lexical_weight: float = LEXICAL_WEIGHT,
    semantic_weight: float = SEMANTIC_WEIGHT,
    neighbour_share: float = NEIGHBOUR_SHARE,
    sentence_vectors: np.ndarray | None = None,
    query_vector: np.ndarray | None = None,
    dateline_rank: int = DATELINE_RANK,
) -> np.ndarray:
    """One fused score per sentence (higher is better).

    The claim's :func:`dateline`, if the page has one, scores just below the
    ``dateline_rank - 1`` best sentences when it would rank lower (0: never).
    """
    n = len(sentences)
    if n == 0:
        return np.zeros(0)
    lexical = bm25_scores(query, sentences)
    top = lexical.max()
    score = lexical_weight * (lexical / top if top > 0 else lexical)
    if encode is not None or sentence_vectors is not None:
        if sentence_vectors is None:
            vectors = encode([query, *sentences])
            query_vector, sentence_vectors = vectors[0], vectors[1:]
        elif query_vector is None:
            query_vector = encode([query])[0]
        score = score + semantic_weight * (sentence_vectors @ query_vector)
    if neighbour_share and n > 1:
        padded = np.pad(score, 1)
        score = score + neighbour_share * np.maximum(padded[:-2], padded[2:])
    if dateline_rank > 1 and n >= dateline_rank:
        line = dateline(query, sentences)
        if line is not None:
            above = np.sort(score)[::-1][dateline_rank - 2]
            if score[line] < above:
                score[line] = np.nextafter(above, -np.inf)
    return score


MAX_EMBEDDED_SENTENCES = 200


def rank_sentences(query: str, text: str, *, encode: Encode | None, limit: int = 10, **weights) -> list[ScoredSpan]:
    """The sentences of ``text`` best first, as exact ``(start, end)`` offsets into it.

    A very long document is first cut down to its ``MAX_EMBEDDED_SENTENCES``
    best sentences by BM25 (in text order) and the claim's dateline, so a provider
    task embeds a bounded amount of text per candidate.
    """
    spans = split_sentences(text)
    if encode is not None and len(spans) > MAX_EMBEDDED_SENTENCES:
        sentences = [text[s:e] for s, e in spans]
        lexical = bm25_scores(query, sentences)
        keep = set(np.argsort(-lexical, kind="stable")[:MAX_EMBEDDED_SENTENCES].tolist())
        if weights.get("dateline_rank", DATELINE_RANK) > 1:
            line = dateline(query, sentences)
            if line is not None and line not in keep:
                keep.discard(int(np.argsort(-lexical, kind="stable")[MAX_EMBEDDED_SENTENCES - 1]))
                keep.add(line)
        spans = [spans[i] for i in sorted(keep)]
    scores = score_sentences(query, [text[s:e] for s, e in spans], encode=encode, **weights)
    order = sorted(range(len(spans)), key=lambda i: (-scores[i], i))[:limit]
    return [ScoredSpan(spans[i][0], spans[i][1], float(scores[i])) for i in order]


def best_passage(query: str, text: str, *, encode: Encode | None, max_chars: int = 600) -> ScoredSpan | None:
    """The one sentence to suggest as the quote (cut to ``max_chars`` at a word boundary)."""
    ranked = rank_sentences(query, text, encode=encode, limit=1)
    if not ranked:
        return None
    best = ranked[0]
    end = best.end
    if end - best.start > max_chars:
        cut = text.rfind(" ", best.start, best.start + max_chars)
        end = cut if cut > best.start else best.start + max_chars
    return ScoredSpan(best.start, end, best.score)
