"""Revising an article: a new body, kept as a revision, and its claims reconciled.

When a CMS sends an updated article:

- the new body is stored as the next ``ArticleRevision`` (revision 1, the
  first body, is saved too the first time the article is revised);
- if the body changed, extraction runs again through the ordinary path
  (``extract_article_claims`` -> ``article_extract_claims``), which calls
  :func:`claims_reconcile` before it stores anything:
  - a claim whose exact text is still in the new body keeps its row, so its
    status, candidates, verdict and history stay; only its span moves;
  - a claim whose text is gone becomes ``stale`` (lifecycle move
    ``mark_stale``; an active review lease is ended);
  - sentences the old claims do not cover become new claims.

A stale claim keeps its verdict row and history. Its text is not matched
again: if the sentence comes back in a later revision, it becomes a new claim.
"""
from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import F

from claims.models import Article, ArticleRevision, Claim, sha256_text
from claims.services.articles import ArticleError, article_validate_body
from claims.services.lifecycle import claim_transition

# Fields a revision may change. The external id is the CMS's key for the article and never changes.
REVISABLE = ("headline", "body", "url", "byline", "published_at", "language")
# Spans are shifted this far first when they are re-mapped, so two claims that
# swap places never collide in the span uniqueness constraint mid-update.
_SPAN_SHIFT = 1 << 30


@dataclass(frozen=True)
class ReviseResult:
    article: Article
    revised: bool
    body_changed: bool


def article_revise(*, article_id: int, user=None, **changes) -> ReviseResult:
    """Apply ``changes`` (any of REVISABLE) as a new revision; re-extract if the body changed.

    Sending what the article already says changes nothing and is not a new
    revision, so a CMS may re-send an article safely.
    """
    unknown = set(changes) - set(REVISABLE)
    if unknown:
        raise ArticleError(f"These fields cannot be revised: {', '.join(sorted(unknown))}.", field=sorted(unknown)[0])
    if "body" in changes:
        article_validate_body(changes["body"])
    if "headline" in changes:
        if not changes["headline"] or not changes["headline"].strip():
            raise ArticleError("The headline is required.", field="headline", code="blank")
        changes["headline"] = changes["headline"].strip()
    for optional in ("url", "byline"):
        if optional in changes and changes[optional] is None:
            changes[optional] = ""
    if changes.get("language") is None:
        changes.pop("language", None)

    with transaction.atomic():
        article = Article.objects.select_for_update().get(pk=article_id)
        different = {field: value for field, value in changes.items() if getattr(article, field) != value}
        if not different:
            return ReviseResult(article=article, revised=False, body_changed=False)
        body_changed = "body" in different
        if body_changed and article.status == Article.Status.EXTRACTING:
            raise ArticleError(
                "The article's claims are being extracted right now; send the update again in a few seconds.",
                field="body",
                code="busy",
                status=409,
            )
        if not ArticleRevision.objects.filter(article=article).exists():
            _store_revision(article, created_by=article.created_by)
        for field, value in different.items():
            setattr(article, field, value)
        article.revision += 1  # the row is locked: no lost update
        enqueue = False
        if body_changed and article.status in (Article.Status.PROCESSED, Article.Status.FAILED):
            article.status = Article.Status.RECEIVED
            article.error = ""
            enqueue = True
        article._change_reason = f"revised: {', '.join(sorted(different))}"
        if user is not None and getattr(user, "is_authenticated", False):
            article._history_user = user
        article.save()
        _store_revision(article, created_by=user if getattr(user, "is_authenticated", False) else None)
        if enqueue:
            transaction.on_commit(lambda: _enqueue_extraction(article.pk))
    return ReviseResult(article=article, revised=True, body_changed=body_changed)


def _store_revision(article: Article, *, created_by) -> ArticleRevision:
    return ArticleRevision.objects.create(
        article=article,
        number=article.revision,
        headline=article.headline,
        body=article.body,
        content_hash=sha256_text(article.body),
        created_by=created_by,
    )


def claims_reconcile(*, article: Article, found: list) -> list:
    """Fit the article's existing claims to its current body; return the extracted items still to store.

    Called by extraction inside its write transaction, with the article row
    locked. Only a revised article (revision > 1) is reconciled: a first
    extraction stores exactly what the engine found.
    """
    if article.revision <= 1:
        return found
    live = list(article.claims.exclude(status=Claim.Status.STALE).order_by("span_start", "id"))
    if not live:
        return found
    body = article.body
    search_from: dict[str, int] = {}
    kept: list[tuple[Claim, int, int]] = []
    gone: list[Claim] = []
    for claim in live:
        at = body.find(claim.text, search_from.get(claim.text, 0)) if claim.text else -1
        if at < 0:
            gone.append(claim)
            continue
        search_from[claim.text] = at + len(claim.text)
        kept.append((claim, at, at + len(claim.text)))

    for claim in gone:
        _claim_mark_stale(claim, revision=article.revision)
    moved = [(claim, start, end) for claim, start, end in kept if (claim.span_start, claim.span_end) != (start, end)]
    if moved:
        Claim.objects.filter(pk__in=[claim.pk for claim, _, _ in moved]).update(
            span_start=F("span_start") + _SPAN_SHIFT, span_end=F("span_end") + _SPAN_SHIFT
        )
        for claim, start, end in moved:
            Claim.objects.filter(pk=claim.pk).update(span_start=start, span_end=end)

    taken = {(start, end) for _, start, end in kept}
    return [item for item in found if (item.start, item.end) not in taken]


def _claim_mark_stale(claim: Claim, *, revision: int) -> None:
    from reviewers.models import Assignment
    from reviewers.services import assignment_end

    assignment_end(claim=claim, status=Assignment.Status.RELEASED)
    claim_transition(claim=claim, action="mark_stale", reason=f"text gone from article revision {revision}")


def _enqueue_extraction(article_id: int) -> None:
    from claims.tasks import extract_article_claims

    extract_article_claims.delay(article_id)
