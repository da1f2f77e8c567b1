"""Turning an article into claims: the Django side of ``claims.extraction``."""
from __future__ import annotations

import logging
from dataclasses import asdict

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from claims import extraction
from claims.models import Article, Claim, WebhookEndpoint
from claims.services.webhooks import webhook_event_emit
from claims.services.revisions import claims_reconcile

logger = logging.getLogger(__name__)


def article_extract_claims(*, article_id: int) -> list[int]:
    """Extract and store the article's claims; return the ids of claims to gather for.

    Safe to run twice: a processed article is left alone, and the claims are
    written in one transaction together with the article's status, so a
    failure halfway leaves no partial set behind.
    """
    with transaction.atomic():
        article = Article.objects.select_for_update().get(pk=article_id)
        if article.status == Article.Status.PROCESSED:
            return []
        # updated_at marks when extraction started: the sweeper measures "stuck" from it.
        Article.objects.filter(pk=article.pk).update(status=Article.Status.EXTRACTING, error="", updated_at=timezone.now())

    # The engine is pure CPU work; it runs outside any transaction so that it
    # holds no lock while it thinks.
    language = extraction.detect_language(article.body)
    found = _extract(article.body, published_at=article.published_at, language=language)

    with transaction.atomic():
        article = Article.objects.select_for_update().get(pk=article_id)
        if article.status == Article.Status.PROCESSED:
            return []
        # A revised article keeps the claims whose text it still has (claims.services.revisions).
        found = claims_reconcile(article=article, found=found)
        to_gather: list[int] = []
        for item in found:
            if article.body[item.start : item.end] != item.source_text:
                raise ValueError(f"extractor returned a span that does not match the article: {item.start}-{item.end}")
            claim = Claim(
                article=article,
                text=item.source_text,
                normalized_text=item.text,
                span_start=item.start,
                span_end=item.end,
                score=min(1.0, max(0.0, float(item.score))),
                score_reason=item.reason,
                tags=list(item.tags),
                entities=[asdict(e) for e in item.entities],
                resolved_dates=[asdict(d) for d in item.dates],
                fingerprint=item.fingerprint,
                origin=Claim.Origin.PIPELINE,
                status=Claim.Status.NEW if item.checkworthy else Claim.Status.REJECTED,
                rejection_reason="" if item.checkworthy else f"not check-worthy: {item.reason}"[:300],
            )
            claim._change_reason = "extracted"
            claim.save()
            if item.checkworthy:
                to_gather.append(claim.pk)
        article.status = Article.Status.PROCESSED
        article.language = language if language != "und" else article.language
        article.processed_at = timezone.now()
        article.save(update_fields=["status", "language", "processed_at", "updated_at"])
        webhook_event_emit(
            event=WebhookEndpoint.Event.ARTICLE_PROCESSED, article=article,
            dedupe_key=f"article.processed:{article.pk}:{article.content_hash}",
            data={"article": {"id": article.pk, "external_id": article.external_id, "status": article.status,
                              "api_path": f"/api/v1/articles/{article.pk}/"},
                  "claims": len(found), "checkworthy_claims": len(to_gather)},
        )
        transaction.on_commit(lambda: _enqueue_gathering(to_gather))
    logger.info("article %s: %d claims, %d to gather", article_id, len(found), len(to_gather))
    return to_gather


# The extraction task's soft time limit is 120 s (claims/tasks.py): an LLM that
# takes longer must leave time for the built-in fallback and the database writes.
LLM_TIMEOUT_CAP = 90


def _extract(text: str, *, published_at, language: str) -> list:
    """The built-in engine, or the operator's LLM endpoint when FACTDESK_LLM_URL is set.

    The LLM extractor sends the article text to that endpoint (docs/configuration.md);
    on any failure it falls back to the built-in engine and says why in each claim's reason.
    """
    if not settings.FACTDESK_LLM_URL:
        return extraction.extract(text, published_at=published_at, language=language)
    from claims.extraction import llm

    config = llm.LLMSettings(
        url=settings.FACTDESK_LLM_URL, model=settings.FACTDESK_LLM_MODEL, api_key=settings.FACTDESK_LLM_API_KEY,
        timeout=float(min(settings.FACTDESK_LLM_TIMEOUT, LLM_TIMEOUT_CAP)), max_chars=settings.FACTDESK_LLM_MAX_CHARS,
        response_format=settings.FACTDESK_LLM_RESPONSE_FORMAT,
    )
    return llm.extract_with_fallback(text, published_at, language, settings=config, fallback=extraction.extract)


def article_mark_failed(*, article_id: int, error: str) -> None:
    Article.objects.filter(pk=article_id).exclude(status=Article.Status.PROCESSED).update(
        status=Article.Status.FAILED, error=error[:2000]
    )


def _enqueue_gathering(claim_ids: list[int]) -> None:
    from claims.tasks import gather_claim_sources

    for claim_id in claim_ids:
        gather_claim_sources.delay(claim_id)


def article_extraction_retry(*, article_id: int) -> bool:
    """Queue extraction again for an article whose extraction failed. False if it had not failed.

    The failed run wrote no claims (extraction stores them in one
    transaction), so a retry starts from a clean slate.
    """
    with transaction.atomic():
        updated = Article.objects.filter(pk=article_id, status=Article.Status.FAILED).update(
            status=Article.Status.RECEIVED, error="", updated_at=timezone.now()
        )
        if updated:
            transaction.on_commit(lambda: _enqueue_extraction(article_id))
    return bool(updated)


def _enqueue_extraction(article_id: int) -> None:
    from claims.tasks import extract_article_claims

    extract_article_claims.delay(article_id)
