"""Verified claim sets: filters, frozen membership and bytes, every download format, large builds, bad input."""
from __future__ import annotations

import csv
import hashlib
import io
import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from claims.models import Article, Candidate, Claim, ClaimSet, ClaimSetItem, SourceDocument
from claims.services.claimsets import claimset_build, claimset_requeue_stuck
from claims.services.lifecycle import claim_transition
from claims.tasks import build_claim_set
from reviewers import services
from reviewers.models import Rating

pytestmark = pytest.mark.django_db

SENTENCES = [
    ("Kim visited Russia in September 2023.", "False", "He did, but in 2023 it was his first trip."),
    ("=HYPERLINK(\"http://evil\") The budget grew by 4 percent.", "Mostly true", "It grew by 3.9 percent."),
    ("Lavrov arrived in Pyongyang on 18 October.", "True", "Confirmed by the foreign ministry."),
]


def _publish(claim, reviewer, editor, label, explanation):
    for action in ("start_gathering", "finish_gathering"):
        claim_transition(claim=claim, action=action)
    document = SourceDocument.objects.create(
        kind=SourceDocument.Kind.REFERENCE, title="Ref", body=claim.text, url=f"https://ref.example.org/{claim.pk}"
    )
    candidate = Candidate.objects.create(claim=claim, document=document, provider="test", score=0.9, rank=1)
    verdict = services.verdict_save(claim=claim, reviewer=reviewer, rating=Rating.objects.get(label=label), explanation=explanation)
    services.citation_add(verdict=verdict, user=reviewer, quoted_passage=claim.text, candidate=candidate)
    services.verdict_submit(verdict=verdict, user=reviewer)
    return services.verdict_approve(verdict=verdict, editor=editor)


@pytest.fixture
def published(rating_scale, reviewer, editor):
    body = " ".join(text for text, _, _ in SENTENCES)
    article = Article.objects.create(
        headline="Lavrov visits", body=body, byline="Desk reporter", url="https://news.example.org/lavrov",
        external_id="cms-42", published_at=timezone.now() - timedelta(days=2),
    )
    claims, start = [], 0
    for text, label, explanation in SENTENCES:
        claim = Claim.objects.create(article=article, text=text, normalized_text=text, span_start=start, span_end=start + len(text), tags=["politics"])
        _publish(claim, reviewer, editor, label, explanation)
        claims.append(claim)
        start += len(text) + 1
    return claims


@pytest.fixture
def exporter(make_user, token_for):
    user = make_user("archive-bot")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_for(user, ('export',))}")
    return client


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def _create(client, name="Set", filters=None):
    return client.post("/api/v1/claim-sets/", {"name": name, "filters": filters or {}}, format="json")


def test_it_builds_a_small_set_at_once_and_serves_every_format(exporter, published):
    response = _create(exporter, "October checks")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["status"], data["total"], data["progress"], data["creator"]) == ("ready", 3, 3, "archive-bot")
    assert sorted(data["downloads"]) == ["csv", "json", "jsonld", "ndjson"]

    as_json = json.loads(_body(exporter.get(data["downloads"]["json"])))
    assert as_json["claim_set"]["content_hash"] == data["content_hash"]
    assert [c["id"] for c in as_json["claims"]] == [c.pk for c in published]
    first = as_json["claims"][0]
    assert first["verdict"]["rating"] == "False" and first["article"]["external_id"] == "cms-42"
    assert first["citations"][0]["url"].startswith("https://ref.example.org/")

    ndjson = _body(exporter.get(data["downloads"]["ndjson"]))
    assert hashlib.sha256(ndjson).hexdigest() == data["content_hash"]
    assert [json.loads(line)["id"] for line in ndjson.decode().splitlines()] == [c.pk for c in published]

    rows = list(csv.DictReader(io.StringIO(_body(exporter.get(data["downloads"]["csv"])).decode())))
    assert [r["rating"] for r in rows] == ["False", "Mostly true", "True"]
    assert rows[1]["claim"].startswith("'=HYPERLINK")  # formula neutralised
    assert rows[0]["citation_urls"].startswith("https://ref.example.org/") and rows[0]["article_url"] == "https://news.example.org/lavrov"

    response = exporter.get(data["downloads"]["jsonld"])
    assert response["Content-Type"] == "application/ld+json"
    document = json.loads(_body(response))
    assert document["@context"] == "https://schema.org"
    assert [node["reviewRating"]["alternateName"] for node in document["@graph"]] == ["False", "Mostly true", "True"]


def test_a_download_is_byte_identical_after_verdicts_change_and_claims_go(exporter, published, editor, reviewer):
    data = _create(exporter).json()
    before = {ext: _body(exporter.get(url)) for ext, url in data["downloads"].items()}

    verdict = published[0].verdict
    services.verdict_revise(verdict=verdict, editor=editor, reason="new evidence")
    verdict.refresh_from_db()
    verdict = services.verdict_save(claim=published[0], reviewer=reviewer, rating=Rating.objects.get(label="True"),
                                    explanation="Revised.", expected_version=verdict.version)
    services.verdict_submit(verdict=verdict, user=reviewer)
    services.verdict_approve(verdict=verdict, editor=editor)
    published[2].delete()

    after = {ext: _body(exporter.get(url)) for ext, url in data["downloads"].items()}
    assert after == before
    fresh = _create(exporter, "Fresh").json()
    assert fresh["total"] == 2 and fresh["content_hash"] != data["content_hash"]
    records = {r["id"]: r for r in map(json.loads, _body(exporter.get(fresh["downloads"]["ndjson"])).splitlines())}
    assert records[published[0].pk]["verdict"]["rating"] == "True"  # the new set sees the revision


def test_filters_choose_the_members(exporter, published):
    by_rating = _create(exporter, filters={"ratings": ["False", "True"]}).json()
    assert by_rating["total"] == 2
    by_id = _create(exporter, filters={"claim_ids": [published[1].pk]}).json()
    assert by_id["total"] == 1
    assert _create(exporter, filters={"tags": ["politics"], "article_external_ids": ["cms-42"]}).json()["total"] == 3
    assert _create(exporter, filters={"tags": ["sport"]}).json()["total"] == 0
    later = (timezone.now() + timedelta(minutes=1)).isoformat()
    assert _create(exporter, filters={"since": later}).json()["total"] == 0
    assert _create(exporter, filters={"until": later}).json()["total"] == 3


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"name": "x", "filters": {"rating": ["False"]}}, "filters"),
        ({"name": "x", "filters": {"since": "yesterday"}}, "filters.since"),
        ({"name": "x", "filters": {"since": "2024-01-01T00:00:00"}}, "filters.since"),
        ({"name": "x", "filters": {"claim_ids": ["1"]}}, "filters.claim_ids"),
        ({"name": "x", "filters": ["ratings"]}, "filters"),
        ({"name": "   "}, "name"),
        ({"name": "x", "extra": 1}, "extra"),
    ],
)
def test_bad_input_is_a_clear_400_and_creates_nothing(exporter, published, payload, field):
    response = exporter.post("/api/v1/claim-sets/", payload, format="json")
    assert response.status_code == 400
    assert field in [error["field"] for error in response.json()["errors"]]
    assert ClaimSet.objects.count() == 0


def test_it_needs_the_export_scope_and_a_ready_set(cms, make_user, token_for, exporter, published, editor):
    reader = APIClient()
    reader.credentials(HTTP_AUTHORIZATION=f"Bearer {token_for(make_user('reader'), ('read',))}")
    assert _create(reader).status_code == 403
    assert APIClient().get("/api/v1/claim-sets/").status_code == 401
    pending = ClaimSet.objects.create(name="Pending", creator=editor)
    response = exporter.get(f"/api/v1/claim-sets/{pending.pk}/download.json")
    assert response.status_code == 409 and response.json()["errors"][0]["code"] == "not_ready"
    assert exporter.get("/api/v1/claim-sets/999999/").status_code == 404
    listed = exporter.get("/api/v1/claim-sets/").json()
    assert [s["name"] for s in listed["results"]] == ["Pending"]


def test_a_large_set_is_built_by_the_task_with_progress(exporter, published, settings, django_capture_on_commit_callbacks):
    settings.FACTDESK_CLAIMSET_SYNC_LIMIT = 1
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = _create(exporter, "Large")
    assert response.status_code == 202
    data = response.json()
    assert (data["status"], data["downloads"]) == ("pending", {})
    assert len(callbacks) == 1
    callbacks[0]()  # enqueue after commit (eager in tests: the task runs here)
    claim_set = ClaimSet.objects.get(pk=data["id"])
    assert (claim_set.status, claim_set.progress, claim_set.total) == ("ready", 3, 3)
    assert exporter.get(f"/api/v1/claim-sets/{claim_set.pk}/").json()["downloads"]["csv"].endswith(f"/claim-sets/{claim_set.pk}/download.csv")


def test_a_redelivered_build_does_nothing_and_a_dead_build_is_taken_over(published, editor, settings):
    claim_set = ClaimSet.objects.create(name="Large", creator=editor)
    assert build_claim_set.apply(args=(claim_set.pk,)).get() == "ready"
    frozen = list(ClaimSetItem.objects.filter(claim_set=claim_set).values_list("pk", flat=True))
    assert claimset_build(claim_set_id=claim_set.pk).status == "ready"
    assert list(ClaimSetItem.objects.filter(claim_set=claim_set).values_list("pk", flat=True)) == frozen

    # A worker died after freezing part of a set: its heartbeat goes stale, the sweeper puts it back, the build redoes it.
    orphan = ClaimSet.objects.create(name="Orphan", creator=editor, status=ClaimSet.Status.BUILDING, total=3, progress=1,
                                     heartbeat_at=timezone.now())
    ClaimSetItem.objects.create(claim_set=orphan, position=0, record_json="{}", review_json="{}")
    assert claimset_build(claim_set_id=orphan.pk).status == "building"  # its builder may still be alive
    later = timezone.now() + timedelta(seconds=settings.FACTDESK_STUCK_AFTER_SECONDS + 1)
    assert claimset_requeue_stuck(now=later) == 1  # eager: rebuilt right away
    orphan.refresh_from_db()
    assert (orphan.status, orphan.total, orphan.progress) == ("ready", 3, 3)
    assert "{}" not in ClaimSetItem.objects.filter(claim_set=orphan).values_list("record_json", flat=True)


def test_export_claims_writes_the_same_bytes_as_the_api(exporter, published, tmp_path):
    data = _create(exporter).json()
    for ext, fmt in [("json", "json"), ("ndjson", "ndjson"), ("csv", "csv"), ("jsonld", "claimreview")]:
        out = tmp_path / f"set.{ext}"
        call_command("export_claims", "--claim-set", str(data["id"]), "--format", fmt, "--output", str(out))
        assert out.read_bytes() == _body(exporter.get(data["downloads"][ext]))


def test_live_ndjson_export_lists_published_claims(exporter, published):
    response = exporter.get("/api/v1/exports/claims.ndjson")
    assert response.status_code == 200 and response["Content-Type"] == "application/x-ndjson"
    assert [json.loads(line)["id"] for line in _body(response).decode().splitlines()] == [c.pk for c in published]
