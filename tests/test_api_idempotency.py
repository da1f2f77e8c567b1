"""The Idempotency-Key header on article writes: replays, reuse with another body, scope, expiry."""
from __future__ import annotations

import json

import pytest
from rest_framework.test import APIClient

from claims.models import Article, ArticleRevision, IdempotencyKey

pytestmark = pytest.mark.django_db

URL = "/api/v1/articles/"


def _post(client, payload, key):
    return client.post(URL, json.dumps(payload), content_type="application/json", HTTP_IDEMPOTENCY_KEY=key)


@pytest.fixture
def payload(article_payload):
    # No external id: without the key, every POST would create a new article.
    return {k: v for k, v in article_payload.items() if k != "external_id"}


def test_a_replay_returns_the_stored_response_and_writes_nothing(cms, payload):
    first = _post(cms, payload, "key-1")
    assert first.status_code == 202
    again = _post(cms, payload, "key-1")
    assert again.status_code == 202 and again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true" and again["Location"] == first.json()["url"]
    assert Article.objects.count() == 1


def test_the_same_key_with_another_body_is_refused_with_422(cms, payload):
    _post(cms, payload, "key-1")
    response = _post(cms, {**payload, "headline": "Another headline"}, "key-1")
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["field"] == "Idempotency-Key" and error["code"] == "idempotency_key_reused"
    assert "different request" in error["message"]
    assert Article.objects.count() == 1


def test_keys_belong_to_one_client(cms, payload, make_user, token_for):
    other = APIClient()
    other.credentials(HTTP_AUTHORIZATION=f"Bearer {token_for(make_user('other-cms'), ('ingest',))}")
    a = _post(cms, payload, "shared-key").json()
    b = _post(other, payload, "shared-key").json()
    assert a["id"] != b["id"] and Article.objects.count() == 2


def test_an_expired_key_is_forgotten(cms, payload, settings):
    settings.FACTDESK_IDEMPOTENCY_KEY_SECONDS = 0
    first = _post(cms, payload, "key-1").json()
    second = _post(cms, payload, "key-1")
    assert second.status_code == 202 and second.json()["id"] != first["id"]
    assert "Idempotent-Replayed" not in second
    assert IdempotencyKey.objects.count() == 1


def test_a_malformed_key_is_a_clear_400(cms, payload):
    response = _post(cms, payload, "x" * 300)
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "Idempotency-Key"
    assert not Article.objects.exists()


def test_a_failed_write_stores_no_key(cms, payload):
    response = _post(cms, {**payload, "body": " "}, "key-1")
    assert response.status_code == 400
    assert not IdempotencyKey.objects.exists() and not Article.objects.exists()
    assert _post(cms, payload, "key-1").status_code == 202, "the key is still free for the corrected request"


def test_a_revision_replayed_with_its_key_is_applied_once(cms, article_payload):
    article_id = cms.post(URL, json.dumps(article_payload), content_type="application/json").json()["id"]
    url = f"{URL}{article_id}/"
    patch = json.dumps({"headline": "Updated headline"})
    first = cms.patch(url, patch, content_type="application/json", HTTP_IDEMPOTENCY_KEY="rev-1")
    again = cms.patch(url, patch, content_type="application/json", HTTP_IDEMPOTENCY_KEY="rev-1")
    assert first.json()["revision"] == 2 and again.json() == first.json()
    assert Article.objects.get(pk=article_id).revision == 2
    assert ArticleRevision.objects.filter(article_id=article_id).count() == 2
