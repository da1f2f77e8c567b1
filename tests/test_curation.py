"""Editor curation: merge duplicates, split a claim, reject as not check-worthy (services and pages)."""
from __future__ import annotations

import pytest
from django.core.management import call_command
from django.urls import reverse

from claims.models import Article, Candidate, Claim, SourceDocument
from claims.services.curation import CurationError, claim_merge, claim_reject_not_checkworthy, claim_split
from claims.services.lifecycle import claim_transition
from reviewers.models import Note, Verdict

pytestmark = pytest.mark.django_db

BODY = "Prices rose 5% in May and unemployment fell to 3%. The mayor spoke."


def ready(article, start, end, *, docs=()):
    claim = Claim.objects.create(article=article, text=article.body[start:end], normalized_text=article.body[start:end],
                                 span_start=start, span_end=end)
    for action in ("start_gathering", "finish_gathering"):
        claim_transition(claim=claim, action=action)
    for i, doc in enumerate(docs):
        Candidate.objects.create(claim=claim, document=doc, provider="lexical", score=0.5, rank=i + 1)
    return claim


@pytest.fixture
def article():
    return Article.objects.create(headline="Economy", body=BODY)


@pytest.fixture
def docs():
    return [SourceDocument.objects.create(title=f"d{i}", body=f"doc {i}") for i in range(3)]


def test_merge_moves_sources_and_notes_and_rejects_the_duplicate(article, docs, editor):
    keep = ready(article, 0, 23, docs=docs[:2])
    dup = ready(article, 0, 50, docs=docs[1:])
    Note.objects.create(claim=dup, author=editor, body="seen on TV")
    claim_merge(keep=keep, duplicates=[dup], user=editor)
    dup.refresh_from_db()
    assert dup.status == Claim.Status.REJECTED and f"duplicate of claim {keep.pk}" in dup.rejection_reason
    assert sorted(keep.candidates.values_list("document_id", flat=True)) == sorted(d.pk for d in docs)
    assert Note.objects.get().claim_id == keep.pk
    assert dup.history.filter(history_change_reason__contains="duplicate").exists() or dup.history.count() > 1


def test_merge_refuses_a_duplicate_with_a_verdict_and_changes_nothing(article, docs, editor, reviewer):
    keep = ready(article, 0, 23)
    dup = ready(article, 0, 50, docs=docs)
    Verdict.objects.create(claim=dup, reviewer=reviewer)
    with pytest.raises(CurationError, match="already has a verdict"):
        claim_merge(keep=keep, duplicates=[dup], user=editor)
    dup.refresh_from_db()
    assert dup.status == Claim.Status.READY_FOR_REVIEW and dup.candidates.count() == 3
    with pytest.raises(CurationError, match="at least one other"):
        claim_merge(keep=keep, duplicates=[keep], user=editor)


def test_split_makes_exact_spans_and_rejects_the_original(article, editor, django_capture_on_commit_callbacks):
    claim = ready(article, 0, 50)
    with django_capture_on_commit_callbacks() as callbacks:
        parts = claim_split(claim=claim, parts=["Prices rose 5% in May", "unemployment fell to 3%"], user=editor)
    assert len(callbacks) == 1  # source gathering is queued for the new claims after commit
    assert [BODY[p.span_start:p.span_end] for p in parts] == ["Prices rose 5% in May", "unemployment fell to 3%"]
    assert all(p.origin == Claim.Origin.EDITOR and p.created_by == editor for p in parts)
    claim.refresh_from_db()
    assert claim.status == Claim.Status.REJECTED and str(parts[1].pk) in claim.rejection_reason


def test_split_refuses_text_that_is_not_in_the_claim_and_writes_nothing(article, editor):
    claim = ready(article, 0, 50)
    with pytest.raises(CurationError, match="not part of the claim"):
        claim_split(claim=claim, parts=["Prices rose 5% in May", "The mayor spoke"], user=editor)
    assert Claim.objects.count() == 1
    with pytest.raises(CurationError, match="at least two"):
        claim_split(claim=claim, parts=["Prices rose 5% in May"], user=editor)


def test_not_check_worthy_is_exported_as_a_no_decision(article, editor, tmp_path):
    claim = ready(article, 51, 66)
    claim_reject_not_checkworthy(claim=claim, user=editor, detail="opinion")
    merged_away = ready(article, 0, 23)
    claim_merge(keep=ready(article, 0, 50), duplicates=[merged_away], user=editor)
    out = tmp_path / "decisions.tsv"
    call_command("export_decisions", out=str(out))
    rows = [line.split("\t") for line in out.read_text().splitlines()]
    assert rows == [[str(claim.pk), "The mayor spoke", "No"]]  # the merged duplicate says nothing about check-worthiness


def test_editor_tools_on_the_claim_page(client, article, editor, reviewer, reviewer2):
    claim = ready(article, 0, 50)
    dup = ready(article, 0, 23)
    client.force_login(reviewer)
    assert client.post(reverse("reviewers:claim-merge", args=[claim.pk]), {"duplicates": str(dup.pk)}).status_code == 403
    client.force_login(editor)
    response = client.post(reverse("reviewers:claim-merge", args=[claim.pk]), {"duplicates": f"{dup.pk}, x"}, follow=True)
    assert b"Merged" in response.content
    assert Claim.objects.get(pk=dup.pk).status == Claim.Status.REJECTED
    response = client.post(reverse("reviewers:claim-reassign", args=[claim.pk]), {"username": reviewer2.username}, follow=True)
    assert b"leased to reviewer2" in response.content
    response = client.post(reverse("reviewers:claim-split", args=[claim.pk]),
                           {"parts": "Prices rose 5% in May\nunemployment fell to 3%"}, follow=True)
    assert b"Split into claims" in response.content
    other = ready(article, 51, 66)
    client.post(reverse("reviewers:claim-reject", args=[other.pk]), {"detail": "opinion"})
    assert Claim.objects.get(pk=other.pk).rejection_reason == "not check-worthy: opinion"
