"""Celery tasks: thin adapters from the queue to the services.

Every task takes ids, re-reads state, and is safe to run twice (acks_late
means a message may be delivered again after a worker dies). Retries are
bounded, with exponential backoff, and only for errors worth retrying.
"""
from __future__ import annotations

import logging

from celery import shared_task
from django.db import OperationalError

from claims.providers import ProviderError
from claims.services import extraction, gathering, sweeping

logger = logging.getLogger(__name__)

COMMON = dict(acks_late=True, reject_on_worker_lost=True, max_retries=5, retry_backoff=2, retry_backoff_max=120, retry_jitter=True)


@shared_task(bind=True, soft_time_limit=120, time_limit=150, autoretry_for=(OperationalError,), **COMMON)
def extract_article_claims(self, article_id: int) -> int:
    try:
        return len(extraction.article_extract_claims(article_id=article_id))
    except OperationalError:
        raise  # database hiccup: retried by autoretry_for
    except Exception as exc:
        # A bug or bad input: retrying will not help. Record it for the editor.
        extraction.article_mark_failed(article_id=article_id, error=f"{type(exc).__name__}: {exc}")
        raise


@shared_task(bind=True, soft_time_limit=30, time_limit=45, autoretry_for=(OperationalError,), **COMMON)
def gather_claim_sources(self, claim_id: int) -> int:
    return len(gathering.claim_gathering_start(claim_id=claim_id))


@shared_task(bind=True, soft_time_limit=60, time_limit=90, autoretry_for=(OperationalError,), **COMMON)
def run_provider(self, run_id: int) -> str:
    try:
        return gathering.provider_run_execute(run_id=run_id)
    except ProviderError as exc:
        if exc.retryable:
            raise self.retry(exc=exc, countdown=min(120, 2 ** self.request.retries * 5))
        raise


@shared_task(bind=True, soft_time_limit=120, time_limit=150, acks_late=True, ignore_result=True)
def sweep_stuck_work(self) -> dict:
    """Periodic (beat): re-enqueue work that a dead worker or lost message left behind."""
    return sweeping.sweep_stuck_work()


@shared_task(bind=True, soft_time_limit=60, time_limit=90, autoretry_for=(OperationalError,), **COMMON)
def deliver_webhook(self, delivery_id: int) -> str:
    """Send one webhook delivery; if it failed and may be retried, schedule the next attempt (backoff)."""
    from claims.models import WebhookDelivery
    from claims.services import webhooks

    status = webhooks.webhook_delivery_attempt(delivery_id=delivery_id)
    if status == WebhookDelivery.Status.PENDING and not self.request.is_eager:
        due = WebhookDelivery.objects.filter(pk=delivery_id).values_list("next_attempt_at", flat=True).first()
        if due is not None:
            from django.utils import timezone

            deliver_webhook.apply_async((delivery_id,), countdown=max(1.0, (due - timezone.now()).total_seconds()))
    return status


@shared_task(bind=True, soft_time_limit=1800, time_limit=1900, autoretry_for=(OperationalError,), **COMMON)
def build_claim_set(self, claim_set_id: int) -> str:
    """Freeze a large claim set chunk by chunk (progress on the set). A second run while one is alive does nothing."""
    from claims.services.claimsets import claimset_build

    return claimset_build(claim_set_id=claim_set_id).status


@shared_task(bind=True, soft_time_limit=60, time_limit=90, autoretry_for=(OperationalError,), **COMMON)
def capture_source_url(self, url: str, user_id: int | None = None) -> int | None:
    """Capture a page as a web source (safe fetch + evidence snapshot); returns the document id.

    Idempotent: the document is keyed by the canonical URL. Only a timeout or an
    unreachable host is retried (at most 3 times); a refused URL is logged and dropped.
    """
    from django.contrib.auth import get_user_model

    from claims.fetching import FetchError
    from claims.services.capture import source_capture_url

    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    try:
        return source_capture_url(url=url, by=user).pk
    except FetchError as exc:
        if exc.code in ("timeout", "unreachable") and self.request.retries < 3:
            raise self.retry(exc=exc, countdown=min(120, 2 ** self.request.retries * 10))
        logger.warning("capture of %s refused (%s): %s", url, exc.code, exc)
        return None
