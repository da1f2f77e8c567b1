"""Read queries for the reviewer pages; each returns a bounded number of queries."""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from django.db.models import F

from claims.models import Candidate, Claim, ProviderRun, SourceDocument
from reviewers.models import Assignment, Note, Rating, RatingScale, Verdict

# Queue priority, highest first: the editor-set priority, then the
# check-worthiness score, then the most recent article, then the nearest
# deadline (claims without one last), then the oldest claim.
QUEUE_ORDER = (
    F("priority").desc(),
    F("score").desc(),
    F("article__published_at").desc(nulls_last=True),
    F("deadline").asc(nulls_last=True),
    F("id").asc(),
)

PREVIOUSLY_VERIFIED_KINDS = (SourceDocument.Kind.ARCHIVE, SourceDocument.Kind.FACTCHECK)


def queue_list(*, article_id: int | None = None, tag: str = "", mine_of=None, limit: int = 100):
    """Claims ready for review in queue order; ``mine_of`` instead lists the claims leased to that user."""
    if mine_of is not None:
        claims = Claim.objects.filter(
            status=Claim.Status.IN_REVIEW, assignments__reviewer=mine_of, assignments__status="active"
        )
    else:
        claims = Claim.objects.filter(status=Claim.Status.READY_FOR_REVIEW)
    claims = claims.select_related("article").defer("article__body").order_by(*QUEUE_ORDER)
    if article_id:
        claims = claims.filter(article_id=article_id)
    if tag:
        claims = claims.filter(tags__icontains=json.dumps(tag.strip()))
    return list(claims[:limit])


def claim_for_page(*, claim_id: int) -> Claim:
    return Claim.objects.select_related("article").get(pk=claim_id)


@dataclass
class ClaimPage:
    claim: Claim
    verdict: Verdict | None
    citations: list = field(default_factory=list)
    candidates: list = field(default_factory=list)
    previously_verified: list = field(default_factory=list)
    provider_runs: list = field(default_factory=list)
    ratings: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    lease: Assignment | None = None
    wording_history: list = field(default_factory=list)

    @property
    def providers_running(self) -> bool:
        return any(run.status in (ProviderRun.Status.PENDING, ProviderRun.Status.RUNNING) for run in self.provider_runs)


def claim_page(*, claim_id: int) -> ClaimPage:
    """Everything the claim page shows, in a fixed number of queries whatever the number of candidates."""
    claim = claim_for_page(claim_id=claim_id)
    verdict = Verdict.objects.select_related("rating", "reviewer", "approved_by").filter(claim=claim).first()
    candidates = list(
        Candidate.objects.filter(claim=claim).select_related("document", "document__verdict").order_by("-score", "rank", "id")
    )
    scale = RatingScale.objects.filter(is_default=True).first()
    ratings = list(Rating.objects.filter(scale=scale)) if scale else []
    return ClaimPage(
        claim=claim,
        verdict=verdict,
        citations=list(verdict.citations.all()) if verdict else [],
        candidates=[c for c in candidates if c.document.kind not in PREVIOUSLY_VERIFIED_KINDS],
        previously_verified=[c for c in candidates if c.document.kind in PREVIOUSLY_VERIFIED_KINDS],
        provider_runs=list(ProviderRun.objects.filter(claim=claim).order_by("provider")),
        ratings=ratings,
        notes=list(Note.objects.filter(claim=claim).select_related("author")),
        lease=Assignment.objects.select_related("reviewer").filter(claim=claim, status=Assignment.Status.ACTIVE).first(),
        wording_history=wording_history(claim=claim),
    )


def wording_history(*, claim: Claim, limit: int = 50) -> list:
    """The claim's normalized wordings, newest first, each with who set it, when and why (one query)."""
    records = list(
        claim.history.select_related("history_user")
        .only("normalized_text", "history_date", "history_change_reason", "history_user__username")
        .order_by("-history_date", "-history_id")[:limit]
    )
    # History rows are written on every save (status moves too); keep those where the wording changed.
    changes = [r for r, older in zip(records, records[1:] + [None]) if older is None or older.normalized_text != r.normalized_text]
    return changes if len(changes) > 1 else []


def provider_runs(*, claim_id: int) -> list[ProviderRun]:
    return list(ProviderRun.objects.filter(claim_id=claim_id).order_by("provider"))


def approvals_list(*, limit: int = 100):
    return list(
        Verdict.objects.filter(status=Verdict.Status.SUBMITTED)
        .select_related("claim", "rating", "reviewer")
        .order_by("submitted_at", "id")[:limit]
    )


@dataclass
class PublicVerdict:
    """What /verdicts/<id>/ shows: the verdict as last approved.

    While a published verdict is being revised its row is a draft again, but
    its public URL has gone out (webhooks, ClaimReview exports, the archive
    document the previously-verified provider finds); the page keeps showing
    the approved revision, from the audit history, and says a revision is under
    way. ``revising`` is that revision's reason, or "" for a settled verdict.
    """

    pk: int
    claim: Claim
    rating: Rating
    explanation: str
    approved_at: object
    revision: int
    revision_reason: str
    citations: list
    revising: str = ""

    def claim_review(self) -> dict:
        """The schema.org ClaimReview node for this page (the same builder as the exports)."""
        from claims.exports import _review_node

        article = self.claim.article
        return _review_node(
            self.claim.normalized_text, self.pk, self.approved_at, self.explanation, self.rating.value, self.rating.label,
            self.rating.scale.best_rating, self.rating.scale.worst_rating, article.published_at, article.created_at,
            article.byline, article.url, article.headline,
        )


def verdict_public(*, verdict_id: int) -> PublicVerdict:
    """A published verdict for anyone to read; raises Verdict.DoesNotExist for one never published."""
    verdict = Verdict.objects.select_related("claim", "claim__article", "rating", "rating__scale").get(pk=verdict_id)
    citations = verdict.citations.order_by("id")
    if verdict.status == Verdict.Status.APPROVED:
        return PublicVerdict(
            pk=verdict.pk, claim=verdict.claim, rating=verdict.rating, explanation=verdict.explanation,
            approved_at=verdict.approved_at, revision=verdict.revision, revision_reason=verdict.revision_reason,
            citations=list(citations),
        )
    if verdict.revision <= 1:
        raise Verdict.DoesNotExist  # never published: there is nothing public to show
    # A revision is under way: the last approved state is in the audit history. Citations are only
    # ever added, so the published ones are those made before that approval.
    approved = verdict.history.filter(status=Verdict.Status.APPROVED).order_by("-history_date", "-history_id").first()
    if approved is None:
        raise Verdict.DoesNotExist
    rating = Rating.objects.select_related("scale").get(pk=approved.rating_id)
    return PublicVerdict(
        pk=verdict.pk, claim=verdict.claim, rating=rating, explanation=approved.explanation,
        approved_at=approved.approved_at, revision=approved.revision, revision_reason=approved.revision_reason,
        citations=list(citations.filter(created_at__lte=approved.approved_at)), revising=verdict.revision_reason,
    )


# --- dashboard ---------------------------------------------------------------------------

QUEUE_AGE_BUCKETS = ((3600, "< 1 h"), (6 * 3600, "1-6 h"), (86400, "6-24 h"), (3 * 86400, "1-3 days"), (None, "> 3 days"))


def _bars(rows: list[tuple[str, int]]) -> dict:
    """Rows for a horizontal SVG bar chart: label, value and a bar width in [0, 300]."""
    top = max((v for _, v in rows), default=0) or 1
    return {"rows": [{"label": label, "value": v, "width": round(300 * v / top), "y": 24 * i} for i, (label, v) in enumerate(rows)],
            "height": 24 * max(1, len(rows))}


def dashboard(*, now=None, days: int = 14) -> dict:
    """Claims by status, queue age, verdicts approved per day, rating distribution (four aggregate queries)."""
    from datetime import timedelta

    from django.db.models import Count
    from django.db.models.functions import TruncDate
    from django.utils import timezone

    now = now or timezone.now()
    by_status = dict(Claim.objects.values_list("status").annotate(n=Count("id")).order_by())
    statuses = [(label, by_status.get(value, 0)) for value, label in Claim.Status.choices]
    ages = [0] * len(QUEUE_AGE_BUCKETS)
    for changed in Claim.objects.filter(status=Claim.Status.READY_FOR_REVIEW).values_list("status_changed_at", flat=True):
        age = (now - changed).total_seconds()
        ages[next(i for i, (limit, _) in enumerate(QUEUE_AGE_BUCKETS) if limit is None or age < limit)] += 1
    since = (now - timedelta(days=days - 1)).date()
    per_day = dict(
        Verdict.objects.filter(approved_at__date__gte=since).annotate(day=TruncDate("approved_at"))
        .values_list("day").annotate(n=Count("id")).order_by()
    )
    day_rows = [(str(since + timedelta(days=i)), per_day.get(since + timedelta(days=i), 0)) for i in range(days)]
    ratings = (
        Verdict.objects.filter(status=Verdict.Status.APPROVED).values_list("rating__label")
        .annotate(n=Count("id")).order_by("-n", "rating__label")
    )
    return {
        "status": _bars(statuses),
        "queue_age": _bars([(label, n) for (_, label), n in zip(QUEUE_AGE_BUCKETS, ages)]),
        "per_day": _bars(day_rows),
        "ratings": _bars([(label or "unrated", n) for label, n in ratings]),
    }
