"""The claim lifecycle: allowed moves, refused moves with a clear message, audit history."""
from __future__ import annotations

import pytest

from claims.models import Article, Claim
from claims.services.lifecycle import ClaimTransitionError, claim_reject, claim_transition

pytestmark = pytest.mark.django_db


@pytest.fixture
def claim():
    article = Article.objects.create(headline="H", body="Kim visited Russia in September 2023.")
    return Claim.objects.create(article=article, text="Kim visited Russia", normalized_text="Kim visited Russia", span_start=0, span_end=18)


def test_it_walks_the_happy_path_to_published(claim, editor):
    for action in ["start_gathering", "finish_gathering", "start_review", "submit_for_approval", "publish"]:
        claim_transition(claim=claim, action=action, user=editor)
    claim.refresh_from_db()
    assert claim.status == Claim.Status.PUBLISHED
    statuses = [h.status for h in claim.history.order_by("history_date", "history_id")]
    assert statuses == ["new", "gathering", "ready_for_review", "in_review", "awaiting_approval", "published"]
    assert claim.history.first().history_user == editor


def test_it_refuses_an_illegal_move_and_says_what_is_possible(claim):
    with pytest.raises(ClaimTransitionError) as excinfo:
        claim_transition(claim=claim, action="publish")
    message = str(excinfo.value)
    assert "is 'New' and cannot publish" in message
    assert "start gathering sources" in message and "reject" in message
    claim.refresh_from_db()
    assert claim.status == Claim.Status.NEW


def test_it_forbids_assigning_the_status_directly(claim):
    with pytest.raises(AttributeError):
        claim.status = Claim.Status.PUBLISHED


def test_it_refuses_the_second_of_two_concurrent_moves(claim):
    first = Claim.objects.get(pk=claim.pk)
    second = Claim.objects.get(pk=claim.pk)
    claim_transition(claim=first, action="start_gathering")
    with pytest.raises(ClaimTransitionError, match="changed by someone else"):
        claim_transition(claim=second, action="reject", reason="duplicate")
    assert Claim.objects.get(pk=claim.pk).status == Claim.Status.GATHERING


def test_it_requires_a_reason_to_reject_and_records_it(claim, editor):
    with pytest.raises(ClaimTransitionError, match="Say why"):
        claim_reject(claim=claim, user=editor, reason=" ")
    claim_reject(claim=claim, user=editor, reason="not check-worthy")
    claim.refresh_from_db()
    assert claim.status == Claim.Status.REJECTED and claim.rejection_reason == "not check-worthy"
    assert claim.history.first().history_change_reason == "not check-worthy"


def test_it_cannot_reject_a_published_claim(claim):
    for action in ["start_gathering", "finish_gathering", "start_review", "submit_for_approval", "publish"]:
        claim_transition(claim=claim, action=action)
    with pytest.raises(ClaimTransitionError, match="cannot reject"):
        claim_reject(claim=claim, reason="duplicate")
