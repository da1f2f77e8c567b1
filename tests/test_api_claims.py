"""GET /api/v1/claims/ (filters, cursors, query counts) and the editor actions reject and reassign."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from claims.models import Claim
from claims.services.articles import article_ingest
from reviewers.models import Assignment
from reviewers.services import assignment_lease
from tests.conftest import ARTICLE_BODY

pytestmark = pytest.mark.django_db

URL = "/api/v1/claims/"


@pytest.fixture
def claims_ready(editor, reference_documents, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(3):
            article_ingest(headline=f"A{n}", body=f"{ARTICLE_BODY} In 2023, {n}00 people attended.", created_by=editor)
    ready = Claim.objects.filter(status=Claim.Status.READY_FOR_REVIEW)
    assert ready.count() >= 9
    return ready


@pytest.fixture
def admin_api(make_user, token_for):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_for(make_user('desk-bot'), ('admin',))}")
    return client


def _walk(client, params):
    seen, url, pages = [], URL, 0
    while url:
        response = client.get(url, params if pages == 0 else None)
        assert response.status_code == 200, response.json()
        seen += [c["id"] for c in response.json()["results"]]
        url, pages = response.json()["next"], pages + 1
    return seen, pages


def test_cursor_pages_cover_every_claim_once_newest_change_first(cms, claims_ready):
    seen, pages = _walk(cms, {"page_size": 2})
    assert pages >= 5
    assert len(seen) == len(set(seen)) == Claim.objects.count()
    expected = list(Claim.objects.order_by("-updated_at", "-id").values_list("id", flat=True))
    assert seen == expected


def test_it_filters_by_status_article_tag_rating_and_updated_since(cms, claims_ready, reviewer, rating_scale):
    from reviewers.services import verdict_save

    claim = claims_ready.first()
    verdict_save(claim=claim, reviewer=reviewer, rating=rating_scale.ratings.get(label="False"), explanation="No.")
    by_status = _walk(cms, {"status": "in_review"})[0]
    assert by_status == [claim.pk]
    by_article = _walk(cms, {"article": claim.article_id})[0]
    assert set(by_article) == set(Claim.objects.filter(article_id=claim.article_id).values_list("id", flat=True))
    assert _walk(cms, {"rating": "false"})[0] == [claim.pk]
    tag = next(t for c in Claim.objects.all() for t in c.tags)
    tagged = set(_walk(cms, {"tag": tag})[0])
    assert tagged and tagged == {c.pk for c in Claim.objects.all() if tag in c.tags}
    assert _walk(cms, {"tag": "no-such-tag"})[0] == []
    future = (timezone.now() + timedelta(hours=1)).isoformat()
    assert _walk(cms, {"updated_since": future})[0] == []
    assert len(_walk(cms, {"updated_since": "2000-01-01T00:00:00Z"})[0]) == Claim.objects.count()


def test_the_number_of_queries_does_not_grow_with_the_page_size(cms, claims_ready):
    def queries(url, size):
        with CaptureQueriesContext(connection) as ctx:
            assert cms.get(url, {"page_size": size}).status_code == 200
        return len(ctx.captured_queries)

    cms.get(URL)  # the first request of a minute also records the token's last use
    assert queries(URL, 2) == queries(URL, 50)
    assert queries("/api/v1/articles/", 1) == queries("/api/v1/articles/", 50)


@pytest.mark.parametrize("cursor", ["bogus", "cD0yMDIz", "%%%", "bz0tNQ==", "cD0yMDIzLTAxLTAxJng9MQ=="])
def test_a_tampered_cursor_is_a_400(cms, claims_ready, cursor):
    response = cms.get(URL, {"cursor": cursor})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "cursor" and response.json()["errors"][0]["code"] == "invalid_cursor"


def test_an_unknown_claim_is_not_found(cms):
    for pk in ("999999", "abc", "-1"):
        response = cms.get(f"{URL}{pk}/")
        assert response.status_code == 404 and response.json()["errors"][0]["code"] == "not_found"


def test_an_admin_token_rejects_a_claim_with_a_reason(admin_api, claims_ready):
    claim = claims_ready.first()
    response = admin_api.post(f"{URL}{claim.pk}/reject/", json.dumps({"reason": "duplicate"}), content_type="application/json")
    assert response.status_code == 200 and response.json()["status"] == "rejected"
    claim.refresh_from_db()
    assert claim.status == Claim.Status.REJECTED and claim.rejection_reason == "duplicate"
    again = admin_api.post(f"{URL}{claim.pk}/reject/", json.dumps({"reason": "duplicate"}), content_type="application/json")
    assert again.status_code == 409 and again.json()["errors"][0]["code"] == "invalid_transition"


def test_a_read_token_cannot_reject_and_nothing_changes(cms, claims_ready):
    claim = claims_ready.first()
    response = cms.post(f"{URL}{claim.pk}/reject/", json.dumps({"reason": "duplicate"}), content_type="application/json")
    assert response.status_code == 403 and "'admin' scope" in response.json()["errors"][0]["message"]
    claim.refresh_from_db()
    assert claim.status == Claim.Status.READY_FOR_REVIEW


def test_a_session_user_without_the_scope_is_told_about_groups_not_tokens(client, reviewer, claims_ready):
    client.force_login(reviewer)
    claim = claims_ready.first()
    response = client.post(f"{URL}{claim.pk}/reject/", json.dumps({"reason": "x"}), content_type="application/json")
    assert response.status_code == 403
    message = response.json()["errors"][0]["message"]
    assert "token" not in message and "Editors" in message


def test_reassign_leases_a_ready_claim_and_moves_one_in_review(admin_api, claims_ready, reviewer, reviewer2, outsider):
    claim = claims_ready.first()
    url = f"{URL}{claim.pk}/reassign/"
    response = admin_api.post(url, json.dumps({"reviewer": "reviewer"}), content_type="application/json")
    assert response.status_code == 200 and response.json()["reviewer"] == "reviewer"
    claim.refresh_from_db()
    assert claim.status == Claim.Status.IN_REVIEW

    response = admin_api.post(url, json.dumps({"reviewer": "reviewer2"}), content_type="application/json")
    assert response.status_code == 200 and response.json()["reviewer"] == "reviewer2"
    assignments = list(Assignment.objects.filter(claim=claim).order_by("created_at", "id").values_list("reviewer__username", "status"))
    assert assignments == [("reviewer", "released"), ("reviewer2", "active")]

    refused = admin_api.post(url, json.dumps({"reviewer": "outsider"}), content_type="application/json")
    assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == "reviewer"
    unknown = admin_api.post(url, json.dumps({"reviewer": "nobody"}), content_type="application/json")
    assert unknown.status_code == 400
    assert Assignment.objects.get(claim=claim, status="active").reviewer == reviewer2


def test_reassigning_a_rejected_claim_is_a_409(admin_api, claims_ready, reviewer):
    claim = claims_ready.first()
    admin_api.post(f"{URL}{claim.pk}/reject/", json.dumps({"reason": "dup"}), content_type="application/json")
    response = admin_api.post(f"{URL}{claim.pk}/reassign/", json.dumps({"reviewer": "reviewer"}), content_type="application/json")
    assert response.status_code == 409
    assert not Assignment.objects.filter(claim=claim).exists()


def test_assignment_lease_is_reused_not_duplicated(claims_ready, reviewer):
    claim = claims_ready.first()
    assignment_lease(claim=claim, reviewer=reviewer)
    assert Assignment.objects.filter(claim=claim, status="active").count() == 1


def test_the_fast_list_serializer_gives_exactly_what_the_claim_serializer_gives(claims_ready, reviewer, rating_scale):
    from claims import selectors
    from claims.api.fast import FastClaimSerializer
    from claims.api.serializers import ClaimSerializer
    from reviewers.services import citation_add, verdict_save

    claim = claims_ready.first()
    verdict = verdict_save(claim=claim, reviewer=reviewer, rating=rating_scale.ratings.get(label="True"), explanation="Yes.")
    citation_add(verdict=verdict, user=reviewer, quoted_passage="Kim", url="https://e.org/a", captured_text="Kim went.")
    verdict_save(claim=claims_ready.exclude(pk=claim.pk).first(), reviewer=reviewer, rating=None, explanation="Unrated.")
    rows = list(selectors.claims_with_evidence().order_by("id"))
    assert any(r.top_candidates for r in rows)
    fast = json.loads(json.dumps(FastClaimSerializer(rows, many=True).data))
    slow = json.loads(json.dumps(ClaimSerializer(rows, many=True).data))
    assert fast == slow


def test_the_list_built_from_plain_rows_gives_exactly_what_the_claim_serializer_gives(cms, claims_ready, reviewer, rating_scale):
    from claims import selectors
    from claims.api.serializers import ClaimSerializer
    from claims.models import Candidate, SourceDocument
    from reviewers.services import citation_add, verdict_save

    claim = claims_ready.first()
    verdict = verdict_save(claim=claim, reviewer=reviewer, rating=rating_scale.ratings.get(label="True"), explanation="Yes.")
    citation_add(verdict=verdict, user=reviewer, quoted_passage="Kim", url="https://e.org/a", captured_text="Kim went.")
    verdict_save(claim=claims_ready.exclude(pk=claim.pk).first(), reviewer=reviewer, rating=None, explanation="Unrated.")
    # More candidates than the list shows, and a dismissed one ranked first: only the top five undismissed are listed.
    for rank in range(8):
        document = SourceDocument.objects.create(title=f"Extra {rank}", body="b", url=f"https://e.org/{rank}", content_hash=f"x{rank}")
        Candidate.objects.create(claim=claim, document=document, provider="reference_corpus", score=0.5, rank=rank,
                                 state=Candidate.State.DISMISSED if rank == 0 else Candidate.State.SUGGESTED)

    listed = []
    url = URL + "?page_size=4"
    while url:
        body = cms.get(url).json()
        listed += body["results"]
        url = body["next"]
    expected = ClaimSerializer(selectors.claims_with_evidence().order_by("-updated_at", "-id"), many=True).data
    assert listed == json.loads(json.dumps(expected))
    mine = next(item for item in listed if item["id"] == claim.pk)
    assert len(mine["candidates"]) == 5 and mine["verdict"]["citations"][0]["url"] == "https://e.org/a"
