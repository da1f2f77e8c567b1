"""/api/v1/claims/{id}/verdict/: reviewers write verdicts and citations with version checks; readers read."""
from __future__ import annotations

import json

import pytest
from rest_framework.test import APIClient

from claims.models import Claim
from claims.services.articles import article_ingest
from reviewers.models import Citation, Verdict
from tests.conftest import ARTICLE_BODY

pytestmark = pytest.mark.django_db


@pytest.fixture
def claim(editor, reference_documents, rating_scale, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        article_ingest(headline="A", body=ARTICLE_BODY, created_by=editor)
    claim = Claim.objects.filter(status=Claim.Status.READY_FOR_REVIEW, candidates__isnull=False).distinct().first()
    assert claim is not None
    return claim


def _api(user, token_for, scopes):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_for(user, scopes)}")
    return client


@pytest.fixture
def reviewer_api(reviewer, token_for):
    return _api(reviewer, token_for, ("read", "review"))


def _put(client, claim, payload):
    return client.put(f"/api/v1/claims/{claim.pk}/verdict/", json.dumps(payload), content_type="application/json")


def test_a_reviewer_drafts_cites_and_submits_a_verdict(reviewer_api, claim, reviewer):
    assert reviewer_api.get(f"/api/v1/claims/{claim.pk}/verdict/").status_code == 404
    created = _put(reviewer_api, claim, {"rating": "true", "explanation": "Confirmed by the agency."})
    assert created.status_code == 200, created.json()
    assert created.json()["rating"] == "True" and created.json()["version"] == 1
    claim.refresh_from_db()
    assert claim.status == Claim.Status.IN_REVIEW, "saving a verdict leases the claim to the reviewer"

    candidate = claim.candidates.select_related("document").first()
    passage = candidate.document.body[:40]
    cited = reviewer_api.post(
        f"/api/v1/claims/{claim.pk}/verdict/citations/",
        json.dumps({"quoted_passage": passage, "candidate": candidate.pk}),
        content_type="application/json",
    )
    assert cited.status_code == 201 and cited.json()["url"] == candidate.document.url
    shown = reviewer_api.get(f"/api/v1/claims/{claim.pk}/verdict/").json()
    assert [c["quoted_passage"] for c in shown["citations"]] == [passage]

    submitted = reviewer_api.post(
        f"/api/v1/claims/{claim.pk}/verdict/submit/", json.dumps({"expected_version": shown["version"]}), content_type="application/json"
    )
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"
    claim.refresh_from_db()
    assert claim.status == Claim.Status.AWAITING_APPROVAL


def test_an_edit_from_an_old_version_is_a_409_and_overwrites_nothing(reviewer_api, claim):
    _put(reviewer_api, claim, {"rating": "True", "explanation": "First."})
    assert _put(reviewer_api, claim, {"rating": "False", "explanation": "Second.", "expected_version": 1}).status_code == 200
    stale = _put(reviewer_api, claim, {"rating": "Half true", "explanation": "Third.", "expected_version": 1})
    assert stale.status_code == 409 and stale.json()["errors"][0]["code"] == "conflict"
    verdict = Verdict.objects.get(claim=claim)
    assert (verdict.explanation, verdict.rating.label, verdict.version) == ("Second.", "False", 2)
    missing = _put(reviewer_api, claim, {"explanation": "Fourth."})
    assert missing.status_code == 400 and missing.json()["errors"][0]["field"] == "expected_version"
    assert Verdict.objects.get(claim=claim).explanation == "Second."


def test_an_unknown_rating_lists_the_scale(reviewer_api, claim):
    response = _put(reviewer_api, claim, {"rating": "Pants on fire", "explanation": "x"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "rating" and "Mostly false" in response.json()["errors"][0]["message"]
    assert not Verdict.objects.exists()


def test_submitting_without_a_citation_says_what_is_missing(reviewer_api, claim):
    _put(reviewer_api, claim, {"rating": "True", "explanation": "x"})
    response = reviewer_api.post(f"/api/v1/claims/{claim.pk}/verdict/submit/", "{}", content_type="application/json")
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "citations"
    claim.refresh_from_db()
    assert claim.status == Claim.Status.IN_REVIEW


def test_a_read_token_reads_but_cannot_write(cms, reviewer_api, claim):
    _put(reviewer_api, claim, {"rating": "True", "explanation": "Mine."})
    assert cms.get(f"/api/v1/claims/{claim.pk}/verdict/").json()["explanation"] == "Mine."
    response = _put(cms, claim, {"rating": "False", "explanation": "Theirs.", "expected_version": 1})
    assert response.status_code == 403 and "'review' scope" in response.json()["errors"][0]["message"]
    assert Verdict.objects.get(claim=claim).explanation == "Mine."


def test_another_reviewer_cannot_cite_in_my_verdict(reviewer_api, reviewer2, token_for, claim):
    _put(reviewer_api, claim, {"rating": "True", "explanation": "Mine."})
    other = _api(reviewer2, token_for, ("review",))
    response = other.post(
        f"/api/v1/claims/{claim.pk}/verdict/citations/", json.dumps({"quoted_passage": "x", "url": "https://e.org/"}), content_type="application/json"
    )
    # The claim is leased to me: a conflict the other reviewer can resolve only by an editor's reassignment.
    assert response.status_code == 409 and response.json()["errors"][0]["field"] == "lease"
    assert not Citation.objects.exists()
