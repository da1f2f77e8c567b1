"""The reviewer queue in a real browser (headless Chromium)."""
from __future__ import annotations

import pytest

from claims.models import Article, Claim
from claims.services.lifecycle import claim_transition
from reviewers.models import Assignment

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _ready_claim(text: str) -> Claim:
    article = Article.objects.create(headline="H", body="Kim visited Russia in September 2023.")
    claim = Claim.objects.create(article=article, text="Kim", normalized_text=text, span_start=0, span_end=3)
    for action in ("start_gathering", "finish_gathering"):
        claim_transition(claim=claim, action=action)
    return claim


def test_it_lets_a_reviewer_take_next_from_the_queue(login, reviewer, live_server):
    claim = _ready_claim("Kim visited Russia")
    page = login(reviewer)
    assert page.url.endswith("/review/")
    page.get_by_role("button", name="Take next").click()
    page.get_by_role("status").wait_for()
    assert f"Claim {claim.pk} is leased to you" in page.content()
    assert Assignment.objects.get().reviewer_id == reviewer.pk


def test_it_shows_an_outsider_nothing(login, outsider, live_server):
    _ready_claim("Secret claim text")
    page = login(outsider)
    response = page.goto(f"{live_server.url}/review/")
    # Not staff, so the admin login refuses them; not in a desk group, so the page would be 403 anyway.
    assert response.status == 403 or "/admin/login/" in page.url
    assert "Secret claim text" not in page.content()
