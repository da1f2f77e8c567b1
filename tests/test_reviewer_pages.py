"""Reviewer workspace pages: access, the queue, Take next, bounded queries."""
from __future__ import annotations

import pytest
from django.urls import reverse

from claims.models import Article, Claim
from claims.services.lifecycle import claim_transition
from reviewers.models import Assignment

pytestmark = pytest.mark.django_db


def _ready_claims(count: int):
    article = Article.objects.create(headline="Headline <b>bold</b>", body="x" * 400)
    claims = []
    for i in range(count):
        claim = Claim.objects.create(article=article, text="x", normalized_text=f"Claim {i}", span_start=i, span_end=i + 1)
        for action in ("start_gathering", "finish_gathering"):
            claim_transition(claim=claim, action=action)
        claims.append(claim)
    return claims


def test_it_sends_an_anonymous_visitor_to_the_login_page(client):
    response = client.get(reverse("reviewers:queue"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_it_shows_an_outsider_nothing(client, outsider):
    _ready_claims(1)
    client.force_login(outsider)
    response = client.get(reverse("reviewers:queue"))
    assert response.status_code == 403
    assert b"Claim 0" not in response.content
    assert client.post(reverse("reviewers:take-next")).status_code == 403
    assert not Assignment.objects.exists()


def test_it_lists_the_queue_escaped_with_bounded_queries(client, reviewer, django_assert_max_num_queries):
    _ready_claims(30)
    client.force_login(reviewer)
    with django_assert_max_num_queries(5):
        response = client.get(reverse("reviewers:queue"))
    assert response.status_code == 200
    assert b"Claim 29" in response.content
    assert b"<b>bold</b>" not in response.content


def test_it_leases_the_next_claim_on_take_next(client, reviewer):
    claims = _ready_claims(2)
    client.force_login(reviewer)
    response = client.post(reverse("reviewers:take-next"), follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse("reviewers:claim", args=[claims[0].pk])
    assignment = Assignment.objects.get()
    assert assignment.reviewer == reviewer
    assert assignment.claim_id == claims[0].pk
    assert b"leased to you" in response.content


def test_it_requires_post_and_csrf_for_take_next(reviewer):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(reviewer)
    assert strict.get(reverse("reviewers:take-next")).status_code == 405
    assert strict.post(reverse("reviewers:take-next")).status_code == 403


def test_it_renders_the_claim_page_with_the_article_escaped(client, reviewer, django_assert_max_num_queries):
    claim = _ready_claims(1)[0]
    Article.objects.filter(pk=claim.article_id).update(body="<script>alert(1)</script> and <img src=x onerror=alert(2)>")
    client.force_login(reviewer)
    with django_assert_max_num_queries(11):
        response = client.get(reverse("reviewers:claim", args=[claim.pk]))
    assert response.status_code == 200
    assert b"<script>alert" not in response.content
    assert b"<img src=x" not in response.content
    assert b"alert(1)&lt;/script&gt;" in response.content


def test_it_shows_a_conflict_and_keeps_the_first_edit(client, reviewer, reviewer2):
    claim = _ready_claims(1)[0]
    client.force_login(reviewer)
    client.post(reverse("reviewers:claim", args=[claim.pk]), {"normalized_text": "First", "version": 1})
    client.force_login(reviewer2)
    response = client.post(reverse("reviewers:claim", args=[claim.pk]), {"normalized_text": "Second", "version": 1})
    assert response.status_code == 409
    assert b"Second" in response.content  # the loser sees their own text next to the winner's
    assert b"was changed since you opened it" in response.content
    claim.refresh_from_db()
    assert claim.normalized_text == "First"
