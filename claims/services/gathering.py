"""Gathering candidate sources for a claim.

    claim_gathering_start  -> one ProviderRun per enabled provider, each enqueued as its own task
    provider_run_execute   -> runs one provider, stores its candidates and its run status atomically
    claim_gathering_finish -> when every run is finished: fuse the rankings, move the claim on

The fan-in (a chord's job) lives in the database: the last run to finish, or
the sweeper, finishes the claim. A chord would need a result backend and its
callback never fires when a header task's worker dies; the ProviderRun rows
survive anything and show the pages each provider's progress.
"""
from __future__ import annotations

import logging
from collections import defaultdict

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from claims.models import Candidate, Claim, ProviderRun, WebhookEndpoint
from claims.providers import ClaimQuery, ProviderError, enabled_providers, get_provider
from claims.services.capture import web_hits_store
from claims.services.lifecycle import claim_transition
from claims.services.webhooks import webhook_event_emit

logger = logging.getLogger(__name__)

RRF_K = 60  # reciprocal rank fusion constant (Cormack et al. 2009)
GATHERABLE = (Claim.Status.NEW, Claim.Status.GATHERING_FAILED, Claim.Status.READY_FOR_REVIEW, Claim.Status.GATHERING)


def claim_gathering_start(*, claim_id: int, user=None, rerun: bool = False) -> list[int]:
    """Move the claim to ``gathering`` and enqueue its provider runs; return the run ids enqueued.

    Re-delivery of the same message finds the claim already gathering and only
    re-enqueues runs that have not finished, so nothing is done twice.
    """
    with transaction.atomic():
        claim = Claim.objects.select_for_update().get(pk=claim_id)
        if claim.status not in GATHERABLE:
            logger.info("claim %s is %s; not gathering", claim_id, claim.status)
            return []
        if claim.status != Claim.Status.GATHERING:
            claim_transition(claim=claim, action="start_gathering", user=user, reason="gathering sources")
            rerun = True
        now = timezone.now()
        run_ids = []
        for name in enabled_providers():
            run, created = ProviderRun.objects.get_or_create(claim=claim, provider=name)
            if created or rerun or run.status not in ProviderRun.TERMINAL:
                run.status = ProviderRun.Status.PENDING
                run.error = ""
                run.enqueued_at = now
                if rerun and not created:
                    run.attempts = 0
                run.save()
                run_ids.append(run.pk)
        if not run_ids:
            # Nothing to wait for (no provider enabled, or all already done).
            transaction.on_commit(lambda: claim_gathering_finish(claim_id=claim_id))
        transaction.on_commit(lambda: _enqueue_runs(run_ids))
    return run_ids


def provider_run_execute(*, run_id: int) -> str:
    """Run one provider for one claim. Returns the run's final status.

    Raises :class:`ProviderError` with ``retryable=True`` when the caller (the
    Celery task) should retry later; after ``FACTDESK_PROVIDER_MAX_ATTEMPTS``
    the run is marked failed instead, and the claim goes on without it.
    """
    with transaction.atomic():
        run = ProviderRun.objects.select_for_update().select_related("claim").get(pk=run_id)
        if run.status in ProviderRun.TERMINAL or run.claim.status != Claim.Status.GATHERING:
            status = run.status
            claim_id = run.claim_id
            run = None
        else:
            run.status = ProviderRun.Status.RUNNING
            run.attempts += 1
            run.started_at = timezone.now()
            run.save(update_fields=["status", "attempts", "started_at"])
    if run is None:
        claim_gathering_finish(claim_id=claim_id)
        return status

    claim = run.claim
    query = ClaimQuery(
        claim_id=claim.pk,
        text=claim.normalized_text,
        entities=tuple(e.get("text", "") for e in claim.entities if isinstance(e, dict)),
        dates=tuple(d.get("value", "") for d in claim.resolved_dates if isinstance(d, dict)),
        language=claim.article.language,
    )
    # No transaction here: a provider may take seconds (or call the network).
    try:
        hits = get_provider(run.provider).search(query, limit=settings.FACTDESK_CANDIDATES_PER_PROVIDER)
    except Exception as exc:  # a provider's failure is recorded, never allowed to block the claim
        retryable = isinstance(exc, ProviderError) and exc.retryable
        if retryable and run.attempts < settings.FACTDESK_PROVIDER_MAX_ATTEMPTS:
            ProviderRun.objects.filter(pk=run.pk).update(status=ProviderRun.Status.PENDING, error=str(exc)[:2000])
            raise
        logger.warning("provider %s failed for claim %s: %s", run.provider, claim.pk, exc)
        provider_run_finish(run_id=run.pk, status=ProviderRun.Status.FAILED, error=f"{type(exc).__name__}: {exc}")
        claim_gathering_finish(claim_id=claim.pk)
        return ProviderRun.Status.FAILED

    with transaction.atomic():
        locked = ProviderRun.objects.select_for_update().get(pk=run.pk)
        if locked.status in ProviderRun.TERMINAL:
            return locked.status  # a redelivered copy finished first
        # A re-run replaces this provider's untouched suggestions; what a
        # reviewer cited or dismissed stays.
        Candidate.objects.filter(claim=claim, provider=run.provider, state=Candidate.State.SUGGESTED).delete()
        hits = web_hits_store(hits=hits)  # web providers' finds become documents (by canonical URL)
        taken = set(Candidate.objects.filter(claim=claim).values_list("document_id", flat=True))
        new = []
        for rank, hit in enumerate(hits, start=1):
            if hit.document_id in taken:
                continue  # de-duplicated: another provider already suggested this document
            taken.add(hit.document_id)
            new.append(
                Candidate(
                    claim=claim,
                    document_id=hit.document_id,
                    provider=run.provider,
                    score=hit.score,
                    rank=rank,
                    passage=hit.passage,
                    passage_start=hit.passage_start,
                    passage_end=hit.passage_end,
                    match_level=hit.match_level,
                )
            )
        Candidate.objects.bulk_create(new)
        provider_run_finish(run_id=run.pk, status=ProviderRun.Status.SUCCEEDED, found=len(new))
    claim_gathering_finish(claim_id=claim.pk)
    return ProviderRun.Status.SUCCEEDED


def provider_run_finish(*, run_id: int, status: str, error: str = "", found: int = 0) -> None:
    ProviderRun.objects.filter(pk=run_id).update(
        status=status, error=error[:2000], candidates_found=found, finished_at=timezone.now()
    )


def claim_gathering_finish(*, claim_id: int) -> bool:
    """If every provider run has finished, rank the candidates and move the claim on.

    Returns True when this call moved the claim. Row locks make concurrent
    callers (the last two runs finishing together, or the sweeper) agree.
    """
    with transaction.atomic():
        claim = Claim.objects.select_for_update().get(pk=claim_id)
        if claim.status != Claim.Status.GATHERING:
            return False
        runs = list(ProviderRun.objects.filter(claim=claim))
        if any(run.status not in ProviderRun.TERMINAL for run in runs):
            return False
        _fuse_ranks(claim)
        if runs and all(run.status == ProviderRun.Status.FAILED for run in runs):
            failed = ", ".join(run.provider for run in runs)
            claim_transition(claim=claim, action="fail_gathering", reason=f"every provider failed: {failed}")
        else:
            failed = [run.provider for run in runs if run.status == ProviderRun.Status.FAILED]
            reason = "sources gathered" + (f" (failed: {', '.join(failed)})" if failed else "")
            claim_transition(claim=claim, action="finish_gathering", reason=reason)
            webhook_event_emit(
                event=WebhookEndpoint.Event.CLAIM_READY, article=claim.article,
                dedupe_key=f"claim.ready_for_review:{claim.pk}:{claim.status_changed_at.isoformat()}",
                data={"claim": {"id": claim.pk, "article": claim.article_id, "text": claim.normalized_text,
                                "status": claim.status, "api_path": f"/api/v1/claims/{claim.pk}/"},
                      "failed_providers": failed},
            )
    return True


def _fuse_ranks(claim: Claim) -> None:
    """Reciprocal rank fusion across providers: one ``rank`` order for the reviewer."""
    candidates = list(Candidate.objects.filter(claim=claim))
    by_provider: dict[str, list[Candidate]] = defaultdict(list)
    for candidate in candidates:
        by_provider[candidate.provider].append(candidate)
    fused = []
    for provider_candidates in by_provider.values():
        provider_candidates.sort(key=lambda c: (-c.score, c.pk))
        for position, candidate in enumerate(provider_candidates, start=1):
            fused.append((1.0 / (RRF_K + position), candidate))
    fused.sort(key=lambda pair: (-pair[0], pair[1].pk))
    for rank, (_, candidate) in enumerate(fused, start=1):
        candidate.rank = rank
    Candidate.objects.bulk_update(candidates, ["rank"])


def _enqueue_runs(run_ids: list[int]) -> None:
    from celery import group

    from claims.tasks import run_provider

    if run_ids:
        group(run_provider.s(run_id) for run_id in run_ids).apply_async()
