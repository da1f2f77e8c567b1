"""Ingesting articles."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction

from claims.models import ApiClient, Article, sha256_text


class ArticleError(Exception):
    """Input that cannot become an article. ``field`` names the culprit for the API."""

    def __init__(self, message: str, *, field: str = "non_field_errors", code: str = "invalid", status: int = 400):
        super().__init__(message)
        self.field = field
        self.code = code
        self.status = status


@dataclass(frozen=True)
class IngestResult:
    article: Article
    created: bool


def article_validate_body(body: str) -> None:
    if not body or not body.strip():
        raise ArticleError("The article body is empty.", field="body", code="blank")
    size = len(body.encode("utf-8"))
    limit = settings.FACTDESK_MAX_ARTICLE_BYTES
    if size > limit:
        raise ArticleError(
            f"The article body is {size} bytes; the limit is {limit} bytes (FACTDESK_MAX_ARTICLE_BYTES).",
            field="body",
            code="too_large",
            status=413,
        )


def article_ingest(
    *,
    headline: str,
    body: str,
    client: ApiClient | None = None,
    external_id: str | None = None,
    url: str = "",
    byline: str = "",
    published_at: datetime | None = None,
    language: str = "en",
    created_by=None,
) -> IngestResult:
    """Store an article and enqueue claim extraction once it is committed.

    Idempotent: re-posting the same external id with the same body returns
    the stored article. The same external id with a different body is a
    conflict (revising an article is a separate operation).
    """
    article_validate_body(body)
    if not headline or not headline.strip():
        raise ArticleError("The headline is required.", field="headline", code="blank")
    external_id = external_id or None

    # No look-up first: most posts are new articles, so insert and let the unique
    # constraint on (client, external_id) catch a re-post (one query fewer per new
    # article, and no race window between a look-up and the insert).
    try:
        with transaction.atomic():
            article = Article.objects.create(
                client=client,
                external_id=external_id,
                headline=headline.strip(),
                body=body,
                url=url or "",
                byline=byline or "",
                published_at=published_at,
                language=language or "en",
                created_by=created_by,
            )
            transaction.on_commit(lambda: _enqueue_extraction(article.pk))
    except IntegrityError:
        # A re-post, or a concurrent request with the same external id that committed first.
        existing = Article.objects.filter(client=client, external_id=external_id).first() if external_id else None
        if existing is None:
            raise
        return _same_or_conflict(existing, body)
    return IngestResult(article=article, created=True)


def _same_or_conflict(existing: Article, body: str) -> IngestResult:
    if existing.content_hash == sha256_text(body):
        return IngestResult(article=existing, created=False)
    raise ArticleError(
        f"An article with external id {existing.external_id!r} already exists with a different body.",
        field="external_id",
        code="conflict",
        status=409,
    )


def _enqueue_extraction(article_id: int) -> None:
    from claims.tasks import extract_article_claims

    extract_article_claims.delay(article_id)
