"""Bad input on every write: a clear 4xx in the error format, and nothing written."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone
from rest_framework.test import APIClient

from claims.models import Article, ArticleRevision, Claim, IdempotencyKey
from claims.services.tokens import token_issue
from reviewers.models import Citation, Verdict

pytestmark = pytest.mark.django_db


@pytest.fixture
def article(cms, article_payload):
    response = cms.post("/api/v1/articles/", json.dumps(article_payload), content_type="application/json")
    return Article.objects.get(pk=response.json()["id"])


def _snapshot():
    return (
        list(Article.objects.order_by("id").values_list("id", "revision", "content_hash", "headline")),
        Claim.objects.count(),
        ArticleRevision.objects.count(),
        IdempotencyKey.objects.count(),
        Verdict.objects.count(),
        Citation.objects.count(),
    )


def _assert_error(response, status, field=None, code=None):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    errors = response.json()["errors"]
    assert errors and all(set(e) == {"field", "code", "message"} and e["message"] for e in errors)
    if field is not None:
        assert errors[0]["field"] == field, errors
    if code is not None:
        assert errors[0]["code"] == code, errors


WRITES = [
    ("post", "/api/v1/articles/"),
    ("put", "/api/v1/articles/{article}/"),
    ("patch", "/api/v1/articles/{article}/"),
]


@pytest.mark.parametrize("method,url", WRITES)
@pytest.mark.parametrize(
    "raw,status,field,code",
    [
        (b'{"headline": "x", "body": ', 400, "non_field_errors", "parse_error"),
        (b"\xff\xfe not utf-8", 400, "non_field_errors", "parse_error"),
        (b"[1, 2, 3]", 400, "non_field_errors", None),
        (b'{"headline": "x", "body": "Kim went.", "bodyy": "typo"}', 400, "bodyy", None),
        (b'{"headline": ["x"], "body": "Kim went to Russia in 2023."}', 400, "headline", "invalid"),
        (b'{"headline": "x", "body": 42}', 400, None, None),
        (b'{"headline": "x", "body": "Kim went to Russia.", "published_at": "19 Oct"}', 400, "published_at", "invalid"),
        (b'{"headline": "x", "body": "Kim went to Russia.", "language": "English!"}', 400, "language", "invalid"),
        (b'{"headline": "x", "body": "Kim went to Russia.", "url": "not a url"}', 400, "url", "invalid"),
    ],
)
def test_malformed_or_wrong_input_is_refused(cms, article, method, url, raw, status, field, code):
    before = _snapshot()
    response = getattr(cms, method)(url.format(article=article.pk), raw, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k1")
    _assert_error(response, status, field, code)
    assert _snapshot() == before


@pytest.mark.parametrize("method,url", WRITES)
def test_a_body_over_the_request_limit_is_a_413_in_the_error_format(cms, article, settings, method, url):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 5000
    before = _snapshot()
    payload = json.dumps({"headline": "x", "body": "Kim went to Russia. " * 1000})
    response = getattr(cms, method)(url.format(article=article.pk), payload, content_type="application/json")
    _assert_error(response, 413, "non_field_errors", "too_large")
    assert "limit is 5000 bytes" in response.json()["errors"][0]["message"]
    assert _snapshot() == before


def test_an_article_body_over_its_own_limit_is_a_413_on_update_too(cms, article, settings):
    settings.FACTDESK_MAX_ARTICLE_BYTES = 100
    before = _snapshot()
    response = cms.patch(f"/api/v1/articles/{article.pk}/", json.dumps({"body": "Kim went. " * 20}), content_type="application/json")
    _assert_error(response, 413, "body", "too_large")
    assert _snapshot() == before


def test_a_form_body_is_refused_as_unsupported(cms, article):
    before = _snapshot()
    response = cms.post("/api/v1/articles/", {"headline": "x", "body": "Kim went to Russia."}, format="multipart")
    _assert_error(response, 415, code="unsupported_media_type")
    assert _snapshot() == before


@pytest.mark.parametrize("query", [{"updated_since": "yesterday"}, {"status": "bogus"}, {"article": "abc"}, {"page_size": "x"}, {"page_size": "0"}])
def test_bad_filters_are_a_400(cms, query):
    url = "/api/v1/claims/" if "article" in query else "/api/v1/articles/"
    response = cms.get(url, query)
    _assert_error(response, 400, field=next(iter(query)))


@pytest.mark.parametrize("state", ["revoked", "expired", "inactive_client", "garbage"])
def test_unusable_tokens_are_a_401_and_write_nothing(make_user, article, article_payload, state):
    user = make_user(f"cms-{state}")
    token, key = token_issue(user=user, scopes=["ingest", "read", "admin"])
    if state == "revoked":
        token.revoked_at = timezone.now()
        token.save()
    elif state == "expired":
        token.expires_at = timezone.now() - timedelta(seconds=1)
        token.save()
    elif state == "inactive_client":
        token.client.is_active = False
        token.client.save()
    else:
        key = "fdk_" + "x" * 43
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    before = _snapshot()
    for method, url in WRITES:
        response = getattr(client, method)(url.format(article=article.pk), json.dumps({**article_payload, "external_id": "new"}), content_type="application/json")
        _assert_error(response, 401, code="authentication_failed")
        assert response["WWW-Authenticate"].startswith("Bearer")
    assert _snapshot() == before


def test_a_scope_too_narrow_is_a_403_that_names_the_scope(make_user, token_for, article, article_payload):
    reader = APIClient()
    reader.credentials(HTTP_AUTHORIZATION=f"Bearer {token_for(make_user('reader'), ('read',))}")
    before = _snapshot()
    for method, url in WRITES:
        response = getattr(reader, method)(url.format(article=article.pk), json.dumps(article_payload), content_type="application/json")
        _assert_error(response, 403, code="permission_denied")
        assert "'ingest' scope" in response.json()["errors"][0]["message"]
    exporter = APIClient()
    exporter.credentials(HTTP_AUTHORIZATION=f"Bearer {token_for(make_user('exporter'), ('export',))}")
    _assert_error(exporter.get("/api/v1/claims/"), 403, code="permission_denied")
    assert _snapshot() == before


def test_too_many_requests_is_a_429_with_retry_after(cms, article_payload, settings):
    cache.clear()
    settings.FACTDESK_API_RATES = {"read": "3/minute", "write": "2/minute"}
    statuses = [cms.get("/api/v1/articles/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    throttled = cms.get("/api/v1/articles/")
    _assert_error(throttled, 429, code="throttled")
    assert int(throttled["Retry-After"]) > 0
    writes = [
        cms.post("/api/v1/articles/", json.dumps({**article_payload, "external_id": f"e{n}"}), content_type="application/json").status_code
        for n in range(3)
    ]
    assert writes == [202, 202, 429] and Article.objects.count() == 2, "reads and writes have separate budgets"
    cache.clear()
