"""Reads with their query plans decided: no N+1 in lists, pages or exports."""
from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from claims.models import Article, Candidate, Claim
from reviewers.models import Citation

TOP_CANDIDATES = 5


def claims_with_evidence(queryset: QuerySet[Claim] | None = None, *, top: int = TOP_CANDIDATES) -> QuerySet[Claim]:
    """Claims with their top candidates (and documents), verdict, rating and citations prefetched."""
    queryset = queryset if queryset is not None else Claim.objects.all()
    top_candidates = (
        Candidate.objects.exclude(state=Candidate.State.DISMISSED)
        .select_related("document")
        .defer("document__body")  # whole source texts: never shown in lists, often many KB each
        .order_by("rank", "id")
    )
    return queryset.select_related("article", "verdict__rating__scale", "verdict__reviewer", "verdict__approved_by").prefetch_related(
        Prefetch("candidates", queryset=top_candidates, to_attr="top_candidates"),
        Prefetch("verdict__citations", queryset=Citation.objects.order_by("id")),
    )


def article_with_claims(*, article_id: int) -> Article:
    claims = claims_with_evidence(
        Claim.objects.exclude(status__in=[Claim.Status.REJECTED, Claim.Status.STALE]).order_by("span_start", "id")
    )
    return Article.objects.prefetch_related(Prefetch("claims", queryset=claims, to_attr="visible_claims")).get(
        pk=article_id
    )


def published_claims(*, since=None) -> QuerySet[Claim]:
    """Published claims with verdict and citations, oldest approval first (stable for streaming)."""
    queryset = Claim.objects.filter(status=Claim.Status.PUBLISHED, verdict__status="approved")
    if since is not None:
        queryset = queryset.filter(verdict__approved_at__gte=since)
    return (
        queryset.select_related("article", "verdict__rating__scale", "verdict__reviewer", "verdict__approved_by")
        .prefetch_related(Prefetch("verdict__citations", queryset=Citation.objects.order_by("id")))
        .order_by("verdict__approved_at", "id")
    )
