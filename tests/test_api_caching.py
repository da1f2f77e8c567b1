"""Cached claims-list pages (claims/api/caching.py): reused until a committed write changes them.

These tests commit for real (transactional_db): the cache only moves on when a
write has committed, which is the point under test. Every write path must be
seen; without Redis the cache must stay off.
"""
from __future__ import annotations

import types

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from claims.api import caching
from claims.models import Article, Candidate, Claim, SourceDocument
from reviewers.models import Citation, Rating, RatingScale, Verdict

# serialized_rollback, as the other committing tests: the data migrations' rows (groups, content types) come back after.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

URL = "/api/v1/claims/"


@pytest.fixture(autouse=True)
def _with_redis(settings):
    """The cache needs Redis: CI's (REDIS_URL), else the one on this machine. No Redis is a failure."""
    settings.REDIS_URL = settings.REDIS_URL or "redis://127.0.0.1:6379/15"
    settings.FACTDESK_API_CACHE_SECONDS = 60
    assert caching.generation(caching.CLAIMS_LIST) is not None, f"Redis at {settings.REDIS_URL} does not answer"
    caching.bump(caching.TOPICS)  # nothing from an earlier run of this database is reused
    caching.pages.clear()
    caching.tokens.clear()
    yield
    caching.pages.clear()
    caching.tokens.clear()


@pytest.fixture
def seeded(make_user):
    reviewer = make_user("cache-reviewer")
    scale = RatingScale.objects.create(name="Cache", best_rating=3, worst_rating=1)
    rating = Rating.objects.create(scale=scale, value=1, label="False")
    article = Article.objects.create(headline="H", body="One. Two. Three.", content_hash="cache-1")
    claims = [
        Claim.objects.create(article=article, text=t, normalized_text=t, span_start=i * 5, span_end=i * 5 + 4,
                             score=0.5, status=Claim.Status.READY_FOR_REVIEW)
        for i, t in enumerate(["One.", "Two.", "Three."])
    ]
    doc = SourceDocument.objects.create(title="Ref", body="Body.", url="https://ref.example.org/1", content_hash="d1")
    Candidate.objects.create(claim=claims[0], document=doc, provider="reference_corpus", score=0.9, rank=1, passage="Body.")
    return {"reviewer": reviewer, "rating": rating, "article": article, "claims": claims, "doc": doc}


def _page(client, params=None):
    response = client.get(URL, params or {})
    assert response.status_code == 200, response.content
    return response.json()


def _claim(page, claim_id):
    return next(c for c in page["results"] if c["id"] == claim_id)


def test_it_recognises_the_statements_that_change_a_page():
    writes = caching.topics_written_by
    pages, tokens = {caching.CLAIMS_LIST}, {caching.API_TOKENS}
    assert writes('INSERT INTO "claims_candidate" ("claim_id") VALUES (%s)') == pages
    assert writes('UPDATE "claims_claim" SET "status" = %s WHERE "id" = %s') == pages
    assert writes('DELETE FROM "reviewers_citation" WHERE "id" IN (%s)') == pages
    assert writes('  update reviewers_verdict set explanation = %s') == pages
    assert writes('UPDATE "claims_apitoken" SET "revoked_at" = %s') == tokens
    assert writes('UPDATE "auth_user" SET "is_active" = %s') == pages | tokens  # usernames are on pages too
    assert writes('TRUNCATE "claims_claim", "claims_article"') == pages | tokens
    assert not writes('SELECT "claims_claim"."id" FROM "claims_claim"')
    assert not writes('INSERT INTO "claims_article" ("headline") VALUES (%s)')
    assert not writes('INSERT INTO "claims_claimhistory" ("id") VALUES (%s)')  # lookalike prefix: another table
    assert not writes(b"UPDATE claims_claim SET x = 1")  # not text: psycopg composables are not our writes


def test_a_repeated_request_is_served_from_the_cache_with_one_query(cms, seeded):
    first = cms.get(URL)
    cms.get(URL)  # the first request of a minute records the token's last use: a token write, so read again
    with CaptureQueriesContext(connection) as ctx:
        second = cms.get(URL)
    assert second.status_code == 200
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"] == "application/json"
    caching.pages.clear()  # as if another web process answered: the page comes from Redis
    with CaptureQueriesContext(connection) as ctx:
        third = cms.get(URL)
    assert third.content == first.content and len(ctx.captured_queries) == 0
    # Neither the token nor the page was read from the database.
    assert len(ctx.captured_queries) == 0, [q["sql"] for q in ctx.captured_queries]
    # A different query is a different page.
    assert _page(cms, {"status": "new"})["results"] == []


def test_every_kind_of_committed_write_shows_in_the_next_page(cms, seeded):
    claims, doc = seeded["claims"], seeded["doc"]
    _page(cms)

    Claim.objects.filter(pk=claims[1].pk).update(priority=7)  # queryset update
    assert _claim(_page(cms), claims[1].pk)["priority"] == 7

    claim = Claim.objects.get(pk=claims[2].pk)
    claim.text = "Three, edited."
    claim.save()  # model save
    assert _claim(_page(cms), claims[2].pk)["text"] == "Three, edited."

    Candidate.objects.bulk_create([Candidate(claim=claims[1], document=doc, provider="web", score=0.4, rank=1)])
    assert len(_claim(_page(cms), claims[1].pk)["candidates"]) == 1

    SourceDocument.objects.filter(pk=doc.pk).update(title="Renamed reference")
    assert _claim(_page(cms), claims[0].pk)["candidates"][0]["document"]["title"] == "Renamed reference"

    with transaction.atomic():  # several writes, one transaction
        verdict = Verdict.objects.create(claim=claims[0], reviewer=seeded["reviewer"], rating=seeded["rating"], explanation="No.")
        Citation.objects.create(verdict=verdict, url="https://cite.example.org/a", title="A",
                                accessed_at=timezone.now(), created_by=seeded["reviewer"])
    verdict_json = _claim(_page(cms), claims[0].pk)["verdict"]
    assert verdict_json["rating"] == "False" and [c["url"] for c in verdict_json["citations"]] == ["https://cite.example.org/a"]

    Rating.objects.filter(pk=seeded["rating"].pk).update(label="Untrue")
    assert _claim(_page(cms), claims[0].pk)["verdict"]["rating"] == "Untrue"

    with connection.cursor() as cursor:  # raw SQL through Django
        cursor.execute("UPDATE claims_claim SET score = %s WHERE id = %s", [0.25, claims[2].pk])
    assert _claim(_page(cms), claims[2].pk)["score"] == 0.25

    seeded["article"].delete()  # cascade
    assert _page(cms)["results"] == []


def test_an_uncommitted_or_rolled_back_write_neither_shows_nor_is_cached(cms, seeded):
    claims = seeded["claims"]
    before = _page(cms)
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            Claim.objects.filter(pk=claims[0].pk).update(priority=9)
            raise RuntimeError("rolled back")
    assert _page(cms) == before
    with transaction.atomic():
        Claim.objects.filter(pk=claims[0].pk).update(priority=5)
        # Inside a transaction the request bypasses the cache: it sees its own uncommitted write...
        assert _claim(_page(cms), claims[0].pk)["priority"] == 5
        assert caching.generation(caching.CLAIMS_LIST) == caching.generation(caching.CLAIMS_LIST)  # ...and nothing has been bumped yet
        inside = caching.generation(caching.CLAIMS_LIST)
    assert caching.generation(caching.CLAIMS_LIST) == inside + 1  # bumped once, at commit, for the whole transaction
    assert _claim(_page(cms), claims[0].pk)["priority"] == 5


def test_pages_expire_after_the_configured_time_and_zero_turns_the_cache_off(cms, seeded, settings, monkeypatch):
    claims = seeded["claims"]
    _page(cms)
    # A write Django never sees (as if made with psql): invisible to the generation.
    generation = caching.generation(caching.CLAIMS_LIST)
    with connection.cursor() as cursor:
        caching.pages.clear()
        _page(cms)  # cached under the current generation
        connection.execute_wrappers.remove(caching.watch_writes)
        try:
            cursor.execute("UPDATE claims_claim SET priority = 3 WHERE id = %s", [claims[0].pk])
        finally:
            connection.execute_wrappers.append(caching.watch_writes)
    assert caching.generation(caching.CLAIMS_LIST) == generation
    assert _claim(_page(cms), claims[0].pk)["priority"] == 0  # stale, within the expiry time
    now = caching._clock()
    monkeypatch.setattr(caching, "_clock", lambda: now + 61)
    # Redis expires the shared copy on its own clock (SET ... EX 60): let it have happened.
    shared = list(caching._redis().scan_iter("factdesk:page:*"))
    assert shared and all(0 < caching._redis().ttl(k) <= 60 for k in shared)
    caching._redis().delete(*shared)
    assert _claim(_page(cms), claims[0].pk)["priority"] == 3  # 60 s later: expired, built again
    with connection.cursor() as cursor:
        connection.execute_wrappers.remove(caching.watch_writes)
        try:
            cursor.execute("UPDATE claims_claim SET priority = 8 WHERE id = %s", [claims[0].pk])
        finally:
            connection.execute_wrappers.append(caching.watch_writes)
    settings.FACTDESK_API_CACHE_SECONDS = 0
    assert _claim(_page(cms), claims[0].pk)["priority"] == 8  # cache off: built per request
    assert not caching.pages_usable_for(type("R", (), {"accepted_renderer": None})())


def test_when_redis_does_not_answer_pages_are_built_per_request(cms, seeded, settings, monkeypatch):
    import redis

    monkeypatch.setattr(caching, "_client", redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2))
    claims = seeded["claims"]
    assert caching.generation(caching.CLAIMS_LIST) is None
    _page(cms)
    Claim.objects.filter(pk=claims[0].pk).update(priority=4)  # the bump fails too (logged)
    assert _claim(_page(cms), claims[0].pk)["priority"] == 4
    assert len(caching.pages) == 0


def test_the_browsable_api_is_not_cached(client, editor, seeded):
    client.force_login(editor)
    response = client.get(URL, HTTP_ACCEPT="text/html")
    assert response.status_code == 200 and b"<html" in response.content.lower()
    assert len(caching.pages) == 0


def test_without_redis_every_page_is_built(cms, seeded, settings):
    settings.REDIS_URL = ""
    claims = seeded["claims"]
    assert not caching.enabled()
    _page(cms)
    Claim.objects.filter(pk=claims[0].pk).update(priority=6)
    assert _claim(_page(cms), claims[0].pk)["priority"] == 6
    assert len(caching.pages) == 0


def test_a_revoked_token_or_deactivated_client_is_refused_on_the_next_request(make_user, token_for, seeded):
    from rest_framework.test import APIClient

    from claims.models import ApiToken
    from claims.services.tokens import tokens_revoke

    def client_with(scopes=("read",), name="cached-bot"):
        user = make_user(name)
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {token_for(user, scopes)}")
        return api, user

    api, user = client_with()
    _page(api)
    _page(api)
    with CaptureQueriesContext(connection) as ctx:
        _page(api)
    assert len(ctx.captured_queries) == 0  # the token came from the cache
    tokens_revoke(token_ids=ApiToken.objects.filter(client__user=user).values_list("pk", flat=True))
    refused = api.get(URL)
    assert refused.status_code == 401 and "revoked" in refused.json()["errors"][0]["message"]

    api, user = client_with(name="cached-bot-2")
    _page(api)
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert api.get(URL).status_code == 401

    api, user = client_with(scopes=("ingest",), name="cached-bot-3")
    assert api.get(URL).status_code == 403  # read scope needed
    ApiToken.objects.filter(client__user=user).update(scopes=["ingest", "read"])
    assert api.get(URL).status_code == 200  # a widened scope is seen at once


def test_cached_tokens_give_each_request_its_own_instances(cms, seeded):
    from claims.api.authentication import _token_for

    _page(cms)
    _page(cms)
    (key_hash,) = [k for k in caching.tokens._items]
    def lookup():
        request = types.SimpleNamespace()  # each call is a new request
        return _token_for(key_hash, request)

    with CaptureQueriesContext(connection) as ctx:
        first, second = lookup(), lookup()
    assert len(ctx.captured_queries) == 0  # both from the cache
    assert first is not second and first.client.user is not second.client.user
    first.scopes.append("admin")
    assert "admin" not in second.scopes and "admin" not in lookup().scopes
