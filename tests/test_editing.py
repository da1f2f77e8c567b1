"""Editing claim wording with optimistic concurrency, and revising a published verdict."""
from __future__ import annotations

import pytest

from claims.models import Article, Claim, Candidate, SourceDocument
from claims.services.editing import ClaimEditConflict, claim_edit_wording
from claims.services.lifecycle import claim_transition
from reviewers import services
from reviewers.models import Rating

pytestmark = pytest.mark.django_db


@pytest.fixture
def claim():
    article = Article.objects.create(headline="H", body="Kim visited Russia in September 2023.")
    return Claim.objects.create(article=article, text="Kim visited Russia", normalized_text="Kim visited Russia", span_start=0, span_end=18)


def test_it_edits_the_wording_and_records_who_and_why(claim, editor):
    edited = claim_edit_wording(claim=claim, user=editor, normalized_text="Kim Jong Un visited Russia", expected_version=1, reason="full name")
    assert edited.normalized_text == "Kim Jong Un visited Russia"
    assert edited.version == 2
    last = edited.history.first()
    assert last.history_user == editor
    assert last.history_change_reason == "full name"


def test_it_refuses_the_second_of_two_concurrent_edits_and_keeps_the_first(claim, editor, reviewer):
    claim_edit_wording(claim=claim, user=editor, normalized_text="First wording", expected_version=1)
    with pytest.raises(ClaimEditConflict) as caught:
        claim_edit_wording(claim=claim, user=reviewer, normalized_text="Second wording", expected_version=1)
    assert "First wording" in str(caught.value)
    claim.refresh_from_db()
    assert claim.normalized_text == "First wording"
    assert claim.version == 2


def _published_verdict(claim, reviewer, editor):
    for action in ("start_gathering", "finish_gathering"):
        claim_transition(claim=claim, action=action)
    document = SourceDocument.objects.create(kind=SourceDocument.Kind.REFERENCE, title="Ref", body="Kim visited Russia in 2023.")
    candidate = Candidate.objects.create(claim=claim, document=document, provider="test", score=0.9, rank=1)
    verdict = services.verdict_save(claim=claim, reviewer=reviewer, rating=Rating.objects.first(), explanation="Because.")
    services.citation_add(verdict=verdict, user=reviewer, quoted_passage="Kim visited Russia", candidate=candidate)
    services.verdict_submit(verdict=verdict, user=reviewer)
    return services.verdict_approve(verdict=verdict, editor=editor)


def test_it_revises_a_published_verdict_as_a_new_revision_with_the_reason(claim, reviewer, editor, rating_scale):
    verdict = _published_verdict(claim, reviewer, editor)
    revised = services.verdict_revise(verdict=verdict, editor=editor, reason="new official figures")
    claim.refresh_from_db()
    assert claim.status == Claim.Status.IN_REVIEW
    assert revised.revision == 2
    assert revised.status == revised.Status.DRAFT
    assert revised.revision_reason == "new official figures"
    assert "new official figures" in revised.history.first().history_change_reason
    assert "new official figures" in claim.history.first().history_change_reason


def test_it_refuses_to_revise_without_a_reason_or_an_unpublished_verdict(claim, reviewer, editor, rating_scale):
    verdict = _published_verdict(claim, reviewer, editor)
    with pytest.raises(services.ReviewError):
        services.verdict_revise(verdict=verdict, editor=editor, reason=" ")
    services.verdict_revise(verdict=verdict, editor=editor, reason="fix")
    with pytest.raises(services.ReviewError):
        services.verdict_revise(verdict=verdict, editor=editor, reason="again")


def test_it_exports_check_worthiness_decisions_as_tsv(claim, reviewer, editor, rating_scale, tmp_path):
    from django.core.management import call_command

    from claims.services.lifecycle import claim_reject

    _published_verdict(claim, reviewer, editor)
    other = Claim.objects.create(article=claim.article, text="in\tSeptember", normalized_text="x", span_start=19, span_end=31)
    claim_reject(claim=other, user=editor, reason="not check-worthy: a date")
    duplicate = Claim.objects.create(article=claim.article, text="2023", normalized_text="2023", span_start=32, span_end=36)
    claim_reject(claim=duplicate, user=editor, reason="duplicate of another claim")
    out = tmp_path / "decisions.tsv"
    call_command("export_decisions", "--out", str(out))
    assert out.read_text().splitlines() == [f"{claim.pk}\tKim visited Russia\tYes", f"{other.pk}\tin September\tNo"]
