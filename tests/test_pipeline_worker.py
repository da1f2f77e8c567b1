"""The whole pipeline on real parts: API -> broker -> worker processes -> database.

Runs on PostgreSQL + Redis when DATABASE_URL / REDIS_URL are set (CI), and on
SQLite + the embedded broker otherwise (`make test` runs both).
"""
from __future__ import annotations

import pytest
from django.db.models import Count

from claims.models import Article, Candidate, Claim, ProviderRun
from config.celery_app import app

from .workers import WorkerProcess, purge_broker, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def live_queue():
    """The test process publishes to the real broker instead of running tasks inline."""
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    purge_broker()
    workers: list[WorkerProcess] = []
    yield workers
    for worker in workers:
        worker.stop()
    app.conf.task_always_eager = eager
    purge_broker()


def _ready(article_id: int) -> bool:
    article = Article.objects.get(pk=article_id)
    if article.status != Article.Status.PROCESSED:
        return False
    open_claims = Claim.objects.filter(article_id=article_id).exclude(status=Claim.Status.REJECTED)
    return open_claims.exists() and not open_claims.exclude(status=Claim.Status.READY_FOR_REVIEW).exists()


def test_it_turns_a_posted_article_into_reviewable_claims_with_sources(
    live_queue, cms, article_payload, reference_documents, factcheck_document
):
    live_queue.append(WorkerProcess("pipeline").start())

    response = cms.post("/api/v1/articles/", article_payload, format="json")
    assert response.status_code == 202, response.content
    article_id = response.json()["id"]

    wait_for(lambda: _ready(article_id), timeout=60, message="claims ready for review")

    detail = cms.get(f"/api/v1/articles/{article_id}/").json()
    assert detail["status"] == "processed"
    by_text = {c["text"]: c for c in detail["claims"]}
    kim = next(c for text, c in by_text.items() if "first foreign trip" in text)
    assert kim["status"] == "ready_for_review"
    assert kim["candidates"], "a claim about Kim's trip finds sources"
    assert any(c["document"]["kind"] == "factcheck" for c in kim["candidates"]), "the earlier fact-check is suggested"
    top = kim["candidates"][0]
    assert top["passage"] and top["passage_start"] is not None
    body = article_payload["body"]
    for claim in detail["claims"]:
        assert body[claim["span_start"] : claim["span_end"]] == claim["text"]
    # Every provider ran once per claim and finished.
    runs = ProviderRun.objects.filter(claim__article_id=article_id)
    assert runs.exists() and not runs.exclude(status=ProviderRun.Status.SUCCEEDED).exists()


def test_it_survives_a_worker_killed_while_gathering(live_queue, editor, reference_documents, factcheck_document):
    """Kill -9 a worker mid-gathering; a new worker (with the sweeper) finishes every claim exactly once."""
    from claims.services.articles import article_ingest
    from tests.conftest import ARTICLE_BODY

    # Enough claims that gathering is still under way when the worker dies.
    bodies = [f"{ARTICLE_BODY} Report number {n} said 1{n}0 people attended in Pyongyang." for n in range(12)]
    first = WorkerProcess("doomed", concurrency=2).start()
    live_queue.append(first)
    articles = [
        article_ingest(headline=f"Article {n}", body=body, created_by=editor).article.pk for n, body in enumerate(bodies)
    ]

    def some_claims_gathering():
        statuses = set(Claim.objects.filter(article_id__in=articles).values_list("status", flat=True))
        return Claim.Status.READY_FOR_REVIEW in statuses or Claim.Status.GATHERING in statuses

    wait_for(some_claims_gathering, timeout=60, message="gathering to start")
    first.kill()
    unfinished = Claim.objects.filter(article_id__in=articles).exclude(
        status__in=[Claim.Status.READY_FOR_REVIEW, Claim.Status.REJECTED]
    ).count() + Article.objects.filter(pk__in=articles).exclude(status=Article.Status.PROCESSED).count()
    assert unfinished > 0, "the worker was killed before it had finished (otherwise this test proves nothing)"

    # The replacement runs the sweeper every second and treats 2 s of silence as stuck.
    live_queue.append(
        WorkerProcess("rescue", beat=True, FACTDESK_STUCK_AFTER_SECONDS="2", FACTDESK_SWEEP_INTERVAL="1").start()
    )
    wait_for(lambda: all(_ready(a) for a in articles), timeout=120, message="every claim ready after the rescue")

    claims = Claim.objects.filter(article_id__in=articles).exclude(status=Claim.Status.REJECTED)
    for claim in claims:
        arrivals = [h for h in claim.history.all() if h.status == Claim.Status.READY_FOR_REVIEW]
        # History rows for one state in a row are the same arrival (e.g. an edit); count entries into it.
        entries = 0
        previous = None
        for h in sorted(claim.history.all(), key=lambda h: (h.history_date, h.history_id)):
            if h.status == Claim.Status.READY_FOR_REVIEW and previous != Claim.Status.READY_FOR_REVIEW:
                entries += 1
            previous = h.status
        assert arrivals and entries == 1, f"claim {claim.pk} reached ready_for_review {entries} times"
    duplicates = (
        Candidate.objects.filter(claim__in=claims).values("claim", "document").annotate(n=Count("id")).filter(n__gt=1)
    )
    assert not duplicates.exists()
    for run in ProviderRun.objects.filter(claim__in=claims, status=ProviderRun.Status.SUCCEEDED):
        assert Candidate.objects.filter(claim=run.claim, provider=run.provider).count() == run.candidates_found
