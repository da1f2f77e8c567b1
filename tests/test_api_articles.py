"""POST/GET /api/v1/articles/ and /api/v1/claims/: auth, scopes, bad input, idempotency, shape, query counts."""
from __future__ import annotations

import json

import pytest
from django.test.utils import CaptureQueriesContext
from django.db import connection
from rest_framework.test import APIClient

from claims.models import Article, Claim

pytestmark = pytest.mark.django_db

URL = "/api/v1/articles/"


def _post(client, payload, **extra):
    return client.post(URL, json.dumps(payload), content_type="application/json", **extra)


def test_it_requires_a_token(article_payload):
    response = _post(APIClient(), article_payload)
    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "not_authenticated"
    assert not Article.objects.exists()


def test_it_rejects_a_wrong_token(article_payload):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer fdk_not-a-real-token")
    assert _post(client, article_payload).status_code == 401


def test_it_refuses_a_token_without_the_ingest_scope(make_user, token_for, article_payload):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_for(make_user('reader'), ('read',))}")
    response = _post(client, article_payload)
    assert response.status_code == 403
    assert "ingest" in response.json()["errors"][0]["message"]
    assert not Article.objects.exists()


def test_it_refuses_revoked_and_expired_tokens(make_user, article_payload):
    from datetime import timedelta

    from django.utils import timezone

    from claims.services.tokens import token_issue

    user = make_user("cms")
    revoked, revoked_key = token_issue(user=user, scopes=["ingest"])
    revoked.revoked_at = timezone.now()
    revoked.save()
    _, expired_key = token_issue(user=user, scopes=["ingest"], expires_at=timezone.now() - timedelta(seconds=1))
    for key, word in [(revoked_key, "revoked"), (expired_key, "expired")]:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
        response = _post(client, article_payload)
        assert response.status_code == 401 and word in response.json()["errors"][0]["message"]


def test_it_accepts_an_article_and_extracts_claims_after_commit(cms, article_payload, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(cms, article_payload)
    assert response.status_code == 202
    body = response.json()
    assert body["created"] is True and body["url"].endswith(f"/api/v1/articles/{body['id']}/")
    assert response["Location"] == body["url"]
    article = Article.objects.get(pk=body["id"])
    assert article.status == Article.Status.PROCESSED
    assert article.claims.filter(status=Claim.Status.READY_FOR_REVIEW).exists()


def test_it_returns_the_same_article_when_the_same_external_id_and_body_are_posted_again(cms, article_payload):
    first = _post(cms, article_payload).json()
    again = _post(cms, article_payload)
    assert again.status_code == 200
    assert again.json()["id"] == first["id"] and again.json()["created"] is False
    assert Article.objects.count() == 1


def test_it_reports_a_conflict_for_the_same_external_id_with_another_body(cms, article_payload):
    _post(cms, article_payload)
    response = _post(cms, {**article_payload, "body": article_payload["body"] + " More."})
    assert response.status_code == 409
    assert response.json()["errors"][0]["field"] == "external_id"
    assert Article.objects.count() == 1


def test_it_keeps_external_ids_separate_per_client(cms, make_user, token_for, article_payload):
    other = APIClient()
    other.credentials(HTTP_AUTHORIZATION=f"Bearer {token_for(make_user('other-cms'), ('ingest',))}")
    assert _post(cms, article_payload).status_code == 202
    assert _post(other, article_payload).status_code == 202
    assert Article.objects.count() == 2


@pytest.mark.parametrize(
    "change, field, code",
    [
        ({"body": ""}, "body", "blank"),
        ({"body": "   \n "}, "body", "blank"),
        ({"headline": None}, "headline", "null"),
        ("drop-headline", "headline", "required"),
        ({"published_at": "19/10/2023 8am"}, "published_at", "invalid"),
        ({"language": "English!"}, "language", "invalid"),
        ({"url": "not a url"}, "url", "invalid"),
        ({"surprise": 1}, "surprise", "invalid"),
    ],
)
def test_it_answers_bad_input_with_field_errors_and_writes_nothing(cms, article_payload, change, field, code):
    payload = dict(article_payload)
    if change == "drop-headline":
        payload.pop("headline")
    else:
        payload.update(change)
    response = _post(cms, payload)
    assert response.status_code == 400, response.content
    errors = response.json()["errors"]
    assert {"field": field, "code": code} == {k: errors[0][k] for k in ("field", "code")}, errors
    assert errors[0]["message"]
    assert not Article.objects.exists()


def test_it_refuses_a_body_over_the_size_limit(cms, article_payload, settings):
    settings.FACTDESK_MAX_ARTICLE_BYTES = 1000
    response = _post(cms, {**article_payload, "body": "Kim went. " * 200})
    assert response.status_code == 413
    assert response.json()["errors"][0]["field"] == "body"
    assert "limit is 1000 bytes" in response.json()["errors"][0]["message"]
    assert not Article.objects.exists()


def test_it_refuses_invalid_utf8_and_malformed_json(cms):
    bad_utf8 = b'{"headline": "x", "body": "caf\xe9"}'
    response = cms.post(URL, bad_utf8, content_type="application/json")
    assert response.status_code == 400 and response.json()["errors"][0]["code"] == "parse_error"
    response = cms.post(URL, b'{"headline": ', content_type="application/json")
    assert response.status_code == 400 and response.json()["errors"][0]["code"] == "parse_error"
    assert not Article.objects.exists()


def test_it_shows_an_article_with_claims_candidates_and_offsets(
    cms, article_payload, reference_documents, factcheck_document, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        article_id = _post(cms, article_payload).json()["id"]
    data = cms.get(f"{URL}{article_id}/").json()
    assert data["status"] == "processed" and data["headline"] == article_payload["headline"]
    assert data["claims"], "claims are listed"
    for claim in data["claims"]:
        assert set(claim) >= {"id", "text", "span_start", "span_end", "score", "status", "candidates", "verdict"}
        assert article_payload["body"][claim["span_start"] : claim["span_end"]] == claim["text"]
        assert claim["status"] == "ready_for_review"
    kim = next(c for c in data["claims"] if "first foreign trip" in c["text"])
    kinds = {c["document"]["kind"] for c in kim["candidates"]}
    assert {"factcheck", "reference"} <= kinds
    assert all(c["passage"] for c in kim["candidates"])


def test_it_answers_404_for_an_unknown_article(cms):
    response = cms.get(f"{URL}999999/")
    assert response.status_code == 404 and response.json()["errors"][0]["code"] == "not_found"


def test_it_lists_claims_with_filters_and_a_constant_number_of_queries(
    cms, editor, reference_documents, django_capture_on_commit_callbacks
):
    from claims.services.articles import article_ingest
    from tests.conftest import ARTICLE_BODY

    def queries_for(page_size: int) -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = cms.get("/api/v1/claims/", {"page_size": page_size, "status": "ready_for_review"})
        assert response.status_code == 200
        return len(ctx.captured_queries)

    with django_capture_on_commit_callbacks(execute=True):
        for n in range(4):
            article_ingest(headline=f"A{n}", body=f"{ARTICLE_BODY} In 2023, {n}00 people attended.", created_by=editor)
    listed = cms.get("/api/v1/claims/", {"status": "ready_for_review"}).json()
    assert len(listed["results"]) >= 8
    assert all(c["status"] == "ready_for_review" for c in listed["results"])
    assert len(cms.get("/api/v1/claims/", {"page_size": 2}).json()["results"]) == 2
    few, many = queries_for(2), queries_for(50)
    assert few == many, f"queries grow with page size: {few} vs {many}"
    assert cms.get("/api/v1/claims/", {"status": "bogus"}).status_code == 400


def test_it_serves_the_openapi_schema_and_docs_to_signed_in_users(cms, client, editor):
    schema = cms.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    assert "/api/v1/articles/" in schema.json()["paths"]
    client.force_login(editor)
    docs = client.get("/api/docs/")
    assert docs.status_code == 200 and b"swagger" in docs.content.lower()
    assert b"cdn.jsdelivr" not in docs.content, "the docs page must not load code from a CDN"
