"""Passage selection: which sentence of a document is worth quoting for a claim.

Sentences of one document are ranked for the claim by a fusion of BM25 (statistics
of that document alone) and all-MiniLM-L6-v2 cosine, each sentence also taking a
share of its neighbours' scores (the evidence for a claim is often split over
consecutive sentences). The provider stores the best one with its offsets; the
evaluation (claims.evaluation.passages) calls the very same :func:`rank_sentences`.

Plain Python: no Django.
"""
from __future__ import annotations

import math
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
) -> np.ndarray:
    """One fused score per sentence (higher is better)."""
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
    return score


MAX_EMBEDDED_SENTENCES = 200


def rank_sentences(query: str, text: str, *, encode: Encode | None, limit: int = 10, **weights) -> list[ScoredSpan]:
    """The sentences of ``text`` best first, as exact ``(start, end)`` offsets into it.

    A very long document is first cut down to its ``MAX_EMBEDDED_SENTENCES``
    best sentences by BM25 (in text order), so a provider task embeds a bounded
    amount of text per candidate.
    """
    spans = split_sentences(text)
    if encode is not None and len(spans) > MAX_EMBEDDED_SENTENCES:
        lexical = bm25_scores(query, [text[s:e] for s, e in spans])
        keep = sorted(np.argsort(-lexical, kind="stable")[:MAX_EMBEDDED_SENTENCES])
        spans = [spans[i] for i in keep]
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
