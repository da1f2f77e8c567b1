"""Gathering candidate sources: providers, failures, re-runs and the sweeper."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from claims import providers
from claims.models import Article, Candidate, Claim, ProviderRun
from claims.providers import ProviderError
from claims.services.gathering import claim_gathering_start, provider_run_execute
from claims.services.sweeping import sweep_stuck_work

pytestmark = pytest.mark.django_db


class OutageProvider:
    """A provider whose service is down: it always raises."""

    name = "outage"
    kinds = ()

    def search(self, query, *, limit):
        raise ProviderError("service unavailable (HTTP 503)", retryable=False)


@pytest.fixture
def with_outage(settings, monkeypatch):
    monkeypatch.setitem(providers.REGISTRY, "outage", OutageProvider)
    settings.FACTDESK_PROVIDERS = ["previously_verified", "reference_corpus", "outage"]


@pytest.fixture
def claim(db):
    body = "Kim Jong Un's September 2023 trip to Russia was his first foreign trip since the Covid-19 pandemic."
    article = Article.objects.create(headline="Kim", body=body, status=Article.Status.PROCESSED)
    return Claim.objects.create(article=article, text=body, normalized_text=body, span_start=0, span_end=len(body), score=0.9)


def _gather(claim, captured):
    with captured(execute=True):
        claim_gathering_start(claim_id=claim.pk)
    claim.refresh_from_db()
    return claim


def test_it_finds_reference_documents_and_earlier_fact_checks(
    claim, reference_documents, factcheck_document, django_capture_on_commit_callbacks
):
    claim = _gather(claim, django_capture_on_commit_callbacks)
    assert claim.status == Claim.Status.READY_FOR_REVIEW
    candidates = list(claim.candidates.select_related("document").order_by("rank"))
    providers_seen = {c.provider for c in candidates}
    assert providers_seen == {"previously_verified", "reference_corpus"}
    assert factcheck_document.pk in {c.document_id for c in candidates}
    assert "City budget" not in {c.document.title for c in candidates}, "an unrelated document is not suggested"
    assert [c.rank for c in candidates] == list(range(1, len(candidates) + 1))
    for c in candidates:
        assert c.document.body[c.passage_start : c.passage_end] == c.passage


def test_it_makes_the_claim_reviewable_when_one_provider_is_down(
    claim, reference_documents, with_outage, django_capture_on_commit_callbacks
):
    claim = _gather(claim, django_capture_on_commit_callbacks)
    assert claim.status == Claim.Status.READY_FOR_REVIEW
    outage = claim.provider_runs.get(provider="outage")
    assert outage.status == ProviderRun.Status.FAILED and "503" in outage.error
    assert claim.provider_runs.get(provider="reference_corpus").status == ProviderRun.Status.SUCCEEDED
    assert "failed: outage" in claim.history.first().history_change_reason


def test_it_marks_gathering_failed_when_every_provider_fails(
    claim, settings, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setitem(providers.REGISTRY, "outage", OutageProvider)
    settings.FACTDESK_PROVIDERS = ["outage"]
    claim = _gather(claim, django_capture_on_commit_callbacks)
    assert claim.status == Claim.Status.GATHERING_FAILED
    # Retryable: once the service is back, a new gathering succeeds.
    settings.FACTDESK_PROVIDERS = ["reference_corpus"]
    claim = _gather(claim, django_capture_on_commit_callbacks)
    assert claim.status == Claim.Status.READY_FOR_REVIEW


def test_it_creates_nothing_twice_when_a_run_is_delivered_again(
    claim, reference_documents, factcheck_document, django_capture_on_commit_callbacks
):
    claim = _gather(claim, django_capture_on_commit_callbacks)
    before = list(Candidate.objects.filter(claim=claim).values_list("id", "document_id", "rank"))
    history = claim.history.count()
    for run in claim.provider_runs.all():
        assert provider_run_execute(run_id=run.pk) == ProviderRun.Status.SUCCEEDED
    with django_capture_on_commit_callbacks(execute=True):
        claim_gathering_start(claim_id=claim.pk)  # a redelivered gather message for a ready claim
    after = list(Candidate.objects.filter(claim=claim).values_list("id", "document_id", "rank"))
    assert sorted(d for _, d, _ in after) == sorted(d for _, d, _ in before)
    assert len(after) == len({d for _, d, _ in after})


def test_it_keeps_cited_candidates_when_gathering_is_run_again(
    claim, reference_documents, factcheck_document, django_capture_on_commit_callbacks
):
    claim = _gather(claim, django_capture_on_commit_callbacks)
    cited = claim.candidates.first()
    Candidate.objects.filter(pk=cited.pk).update(state=Candidate.State.CITED)
    with django_capture_on_commit_callbacks(execute=True):
        claim_gathering_start(claim_id=claim.pk, rerun=True)
    claim.refresh_from_db()
    assert claim.status == Claim.Status.READY_FOR_REVIEW
    assert Candidate.objects.get(pk=cited.pk).state == Candidate.State.CITED
    assert claim.candidates.filter(document_id=cited.document_id).count() == 1


def test_the_sweeper_restarts_runs_that_a_dead_worker_left_running(
    claim, reference_documents, django_capture_on_commit_callbacks
):
    # The worker took the gather task, created the runs, and died before running them.
    claim_gathering_start(claim_id=claim.pk)  # on-commit enqueue never happens: the message is lost
    claim.refresh_from_db()
    assert claim.status == Claim.Status.GATHERING
    ProviderRun.objects.filter(claim=claim).update(
        status=ProviderRun.Status.RUNNING, started_at=timezone.now() - timedelta(hours=1), attempts=1
    )
    counts = sweep_stuck_work()
    assert counts["runs"] == 2
    claim.refresh_from_db()
    assert claim.status == Claim.Status.READY_FOR_REVIEW


def test_the_sweeper_gives_up_on_a_run_after_its_attempts_and_finishes_the_claim(claim, settings):
    claim_gathering_start(claim_id=claim.pk)
    ProviderRun.objects.filter(claim=claim).update(
        status=ProviderRun.Status.RUNNING, started_at=timezone.now() - timedelta(hours=1),
        attempts=settings.FACTDESK_PROVIDER_MAX_ATTEMPTS,
    )
    Claim.objects.filter(pk=claim.pk).update(status_changed_at=timezone.now() - timedelta(hours=1))
    sweep_stuck_work()
    claim.refresh_from_db()
    assert claim.status == Claim.Status.GATHERING_FAILED
    assert set(claim.provider_runs.values_list("status", flat=True)) == {ProviderRun.Status.FAILED}


def test_the_sweeper_re_extracts_an_article_whose_message_was_lost(editor):
    from claims.services.articles import article_ingest

    article = article_ingest(headline="Lost", body="Kim visited Russia in September 2023, officials said.", created_by=editor).article
    Article.objects.filter(pk=article.pk).update(updated_at=timezone.now() - timedelta(hours=1))
    counts = sweep_stuck_work()
    assert counts["articles"] == 1
    article.refresh_from_db()
    assert article.status == Article.Status.PROCESSED
