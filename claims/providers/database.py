"""Providers that search Factdesk's own database: no network, nothing leaves the newsroom."""
from __future__ import annotations

import re

from claims.fulltext import query_terms, search_documents
from claims.models import SourceDocument

from .base import ClaimQuery, ProviderHit

_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+|$)")


def best_sentence(query: str, body: str) -> tuple[int, int]:
    """The sentence of ``body`` sharing most query terms, as offsets into ``body``."""
    terms = set(query_terms(query))
    best, best_span = -1.0, (0, min(len(body), 300))
    for match in _SENTENCE.finditer(body):
        start, end = match.span()
        while start < end and body[start].isspace():
            start += 1
        while end > start and body[end - 1].isspace():
            end -= 1
        if end <= start:
            continue
        words = set(query_terms(body[start:end], limit=200))
        overlap = len(terms & words) / (1 + len(words) ** 0.5)
        if overlap > best:
            best, best_span = overlap, (start, end)
    return best_span


class _DatabaseProvider:
    name = ""
    kinds: tuple[str, ...] = ()

    def search(self, query: ClaimQuery, *, limit: int) -> list[ProviderHit]:
        text = " ".join([query.text, *query.entities])
        ranked = search_documents(text, kinds=list(self.kinds), limit=limit)
        bodies = dict(SourceDocument.objects.filter(pk__in=[doc_id for doc_id, _ in ranked]).values_list("id", "body"))
        hits = []
        for doc_id, score in ranked:
            body = bodies[doc_id]
            start, end = best_sentence(query.text, body)
            hits.append(
                ProviderHit(document_id=doc_id, score=score, passage=body[start:end], passage_start=start, passage_end=end)
            )
        return hits


class ReferenceCorpusProvider(_DatabaseProvider):
    """Full-text search over the reference corpus."""

    name = "reference_corpus"
    kinds = (SourceDocument.Kind.REFERENCE,)


class PreviouslyVerifiedProvider(_DatabaseProvider):
    """Our published verdicts and imported fact-checks that match the claim."""

    name = "previously_verified"
    kinds = (SourceDocument.Kind.ARCHIVE, SourceDocument.Kind.FACTCHECK)
