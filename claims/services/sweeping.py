"""Finding work that got stuck and starting it again.

With acks_late a message whose worker dies is redelivered by Redis after the
visibility timeout, but the embedded broker has no such timeout and a message
can be lost in other ways too. The sweeper only looks at the database: an
article or claim that has sat in a transient state longer than
FACTDESK_STUCK_AFTER_SECONDS is enqueued again. Every task it enqueues is
idempotent, so a sweep that races a slow worker does no harm.
"""
from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from claims.models import Article, Claim, ProviderRun
from claims.services.gathering import claim_gathering_finish, provider_run_finish

logger = logging.getLogger(__name__)


def sweep_stuck_work(*, now=None) -> dict:
    from claims.tasks import extract_article_claims, gather_claim_sources, run_provider

    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.FACTDESK_STUCK_AFTER_SECONDS)
    counts = {"articles": 0, "claims": 0, "runs": 0, "finished": 0, "released": 0, "webhooks": 0}

    for article_id in Article.objects.filter(
        status__in=[Article.Status.RECEIVED, Article.Status.EXTRACTING], updated_at__lt=cutoff
    ).values_list("id", flat=True):
        Article.objects.filter(pk=article_id).update(updated_at=now)  # don't re-sweep it next minute
        extract_article_claims.delay(article_id)
        counts["articles"] += 1

    for claim_id in Claim.objects.filter(status=Claim.Status.NEW, status_changed_at__lt=cutoff).values_list(
        "id", flat=True
    ):
        # Restart its clock as for articles: with no worker consuming, one message per claim
        # per stuck period waits in the broker, not one per sweep.
        Claim.objects.filter(pk=claim_id, status=Claim.Status.NEW).update(status_changed_at=now)
        gather_claim_sources.delay(claim_id)
        counts["claims"] += 1

    stale_runs = ProviderRun.objects.filter(claim__status=Claim.Status.GATHERING).filter(
        Q(status=ProviderRun.Status.PENDING, enqueued_at__lt=cutoff)
        | Q(status=ProviderRun.Status.RUNNING, started_at__lt=cutoff)
    )
    for run in stale_runs:
        if run.attempts >= settings.FACTDESK_PROVIDER_MAX_ATTEMPTS:
            provider_run_finish(run_id=run.pk, status=ProviderRun.Status.FAILED, error="gave up: no result after retries")
            continue
        ProviderRun.objects.filter(pk=run.pk).update(status=ProviderRun.Status.PENDING, enqueued_at=now)
        run_provider.delay(run.pk)
        counts["runs"] += 1

    for claim_id in (
        Claim.objects.filter(status=Claim.Status.GATHERING, status_changed_at__lt=cutoff)
        .exclude(provider_runs__status__in=[ProviderRun.Status.PENDING, ProviderRun.Status.RUNNING])
        .values_list("id", flat=True)
    ):
        counts["finished"] += int(claim_gathering_finish(claim_id=claim_id))

    # Webhook deliveries whose scheduled retry message was lost (worker restart, broker flush).
    from claims.models import WebhookDelivery
    from claims.services.webhooks import webhook_deliveries_due
    from claims.tasks import deliver_webhook

    overdue = webhook_deliveries_due(now=cutoff)
    if overdue:
        WebhookDelivery.objects.filter(pk__in=overdue).update(next_attempt_at=now)  # not again before another period
        for delivery_id in overdue:
            deliver_webhook.delay(delivery_id)
    counts["webhooks"] = len(overdue)

    from claims.services.claimsets import claimset_requeue_stuck  # claim set builds (ME=hook)

    counts["claim_sets"] = claimset_requeue_stuck(now=now)

    from reviewers.services import assignments_expire

    counts["released"] = assignments_expire(now=now)

    # Idempotency-Key records past their FACTDESK_IDEMPOTENCY_KEY_SECONDS: a lookup already
    # ignores them, but without a purge the table grows by one row per keyed write forever.
    from claims.services.idempotency import idempotency_keys_purge

    counts["idempotency_keys"] = idempotency_keys_purge(now=now)
    if any(counts.values()):
        logger.info("sweep: %s", counts)
    return counts
