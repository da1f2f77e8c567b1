"""Providers that search Factdesk's own database: no network, nothing leaves the newsroom.

Both run hybrid retrieval (BM25 + all-MiniLM-L6-v2, fused) over the passage index
of their collection (``claims.retrieval.store``), keep each document's best
passage hit, and suggest the sentence worth quoting with its offsets into the
document (``claims.retrieval.passages``). ``previously_verified`` also thresholds
on the cosine between the claim and the fact-check, and marks each match
``strong`` or ``suggested``.
"""
from __future__ import annotations

import numpy as np

from claims.models import Candidate, Passage
from claims.retrieval import passages as passage_ranker
from claims.retrieval.store import encode, encode_cached, index_refresh
from claims.retrieval.text import clean_query

from .base import ClaimQuery, ProviderHit

# Cosine between the claim and the fact-check's best passage (title included),
# chosen on CheckThat! 2020 task 2 train (docs/evaluation.md, "Claim matching").
STRONG_COSINE = 0.72
SUGGESTED_COSINE = 0.45
# A reference document that shares no term with the claim must at least be this
# close in meaning to be suggested.
REFERENCE_MIN_COSINE = 0.35


def lexical_query(query: ClaimQuery) -> str:
    return clean_query(" ".join([query.text, *query.entities, *query.dates]))


class _IndexedProvider:
    name = ""
    collection = ""
    kinds: tuple[str, ...] = ()

    def search(self, query: ClaimQuery, *, limit: int) -> list[ProviderHit]:
        index = index_refresh(self.collection)
        claim_vector = encode([clean_query(query.text)])[0]
        fused = index.search(lexical_query(query), claim_vector, k=limit * 4, depth=max(50, limit * 4))
        rows = {
            p.pk: p
            for p in Passage.objects.filter(pk__in=[f.id for f in fused]).select_related("document").only(
                "id", "embedding", "document__id", "document__body", "document__title", "document__kind"
            )
        }
        hits: list[ProviderHit] = []
        seen: set[int] = set()
        for entry in fused:
            passage = rows.get(entry.id)  # gone since the index was refreshed: never shown
            if passage is None or passage.document_id in seen or passage.document.kind not in self.kinds:
                continue
            seen.add(passage.document_id)
            cosine = float(np.frombuffer(bytes(passage.embedding), dtype="<f4") @ claim_vector)
            level = self.match_level(cosine, lexical="text" in entry.signals or "title" in entry.signals)
            if level is None:
                continue
            body = passage.document.body
            best = passage_ranker.best_passage(query.text, body, encode=encode_cached)
            start, end = (best.start, best.end) if best else (0, min(len(body), 300))
            hits.append(
                ProviderHit(
                    document_id=passage.document_id,
                    score=entry.score,
                    passage=body[start:end],
                    passage_start=start,
                    passage_end=end,
                    match_level=level,
                    extras={"cosine": round(cosine, 4), **{k: round(v, 4) for k, v in entry.signals.items()}},
                )
            )
            if len(hits) >= limit:
                break
        return hits

    def match_level(self, cosine: float, *, lexical: bool) -> str | None:
        return "" if lexical or cosine >= REFERENCE_MIN_COSINE else None


class ReferenceCorpusProvider(_IndexedProvider):
    """Hybrid search over the reference corpus."""

    name = "reference_corpus"
    collection = "reference"
    kinds = ("reference",)


class PreviouslyVerifiedProvider(_IndexedProvider):
    """Our published verdicts and imported fact-checks that match the claim."""

    name = "previously_verified"
    collection = "verified"
    kinds = ("archive", "factcheck")

    def match_level(self, cosine: float, *, lexical: bool) -> str | None:
        if cosine >= STRONG_COSINE:
            return Candidate.MatchLevel.STRONG
        if cosine >= SUGGESTED_COSINE:
            return Candidate.MatchLevel.SUGGESTED
        return None  # too far from the claim to be worth a reviewer's time
