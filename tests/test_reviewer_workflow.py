"""Claim page actions and approval through the reviewer pages (Django test client, real database)."""
from __future__ import annotations

import pytest
from django.urls import reverse

from claims.models import Article, Candidate, Claim, ProviderRun, SourceDocument
from claims.services.lifecycle import claim_transition
from reviewers.models import Citation, Note, Verdict
from reviewers.services import assignment_take_next

pytestmark = pytest.mark.django_db

SOURCE = "Vladimir Putin hosted Kim Jong Un at the Vostochny Cosmodrome on 13 September 2023. The leaders toured the site."


def make_claim(*, candidates: int = 1, tags=(), article=None, text="Putin met Kim at Vostochny", at: int = 0):
    article = article or Article.objects.create(headline="Kim in Russia", body="Putin met Kim at Vostochny. More text here.")
    claim = Claim.objects.create(article=article, text="Putin met Kim at Vostochny", normalized_text=text,
                                 span_start=at, span_end=at + 26, tags=list(tags))
    for action in ("start_gathering", "finish_gathering"):
        claim_transition(claim=claim, action=action)
    for i in range(candidates):
        doc = SourceDocument.objects.create(title=f"Source {i} <i>x</i>", body=SOURCE, url=f"https://ref.example.org/{i}")
        Candidate.objects.create(claim=claim, document=doc, provider="lexical", score=1 - i / 100, rank=i + 1,
                                 passage=SOURCE[:82], passage_start=0, passage_end=82)
    return claim


def url(name, *args):
    return reverse(f"reviewers:{name}", args=args)


def test_a_reviewer_cites_rates_and_submits_and_another_editor_publishes(client, reviewer, editor, rating_scale):
    claim = make_claim()
    candidate = claim.candidates.get()
    client.force_login(reviewer)
    client.post(url("take-next"))
    assert client.post(url("candidate-cite", claim.pk, candidate.pk)).status_code == 302
    citation = Citation.objects.get()
    assert citation.quoted_passage == SOURCE[:82] and citation.captured_text == SOURCE
    verdict = Verdict.objects.get()
    true = rating_scale.ratings.get(label="True")
    client.post(url("verdict-save", claim.pk), {"rating": true.pk, "explanation": "Reported by <b>wires</b>.",
                                                 "verdict_version": verdict.version})
    response = client.post(url("verdict-submit", claim.pk), follow=True)
    assert b"Submitted for approval" in response.content
    claim.refresh_from_db()
    assert claim.status == Claim.Status.AWAITING_APPROVAL

    client.force_login(editor)
    assert b"Putin met Kim" in client.get(url("approvals")).content
    client.post(url("verdict-approve", claim.pk))
    claim.refresh_from_db()
    verdict.refresh_from_db()
    assert claim.status == Claim.Status.PUBLISHED and verdict.approved_by == editor

    client.logout()  # the public page needs no login and escapes the explanation
    public = client.get(f"/verdicts/{verdict.pk}/")
    assert public.status_code == 200
    assert b"Reported by &lt;b&gt;wires&lt;/b&gt;." in public.content and b"<b>wires" not in public.content


def test_the_public_page_is_a_404_until_published(client, reviewer, rating_scale):
    claim = make_claim()
    verdict = Verdict.objects.create(claim=claim, reviewer=reviewer, explanation="draft")
    assert client.get(f"/verdicts/{verdict.pk}/").status_code == 404
    assert client.get("/verdicts/999999/").status_code == 404


def test_self_approval_is_refused_with_a_clear_message(client, editor, rating_scale):
    claim = make_claim()
    client.force_login(editor)
    client.post(url("take-next"))
    client.post(url("candidate-cite", claim.pk, claim.candidates.get().pk))
    client.post(url("verdict-save", claim.pk), {"rating": rating_scale.ratings.first().pk, "explanation": "e",
                                                 "verdict_version": Verdict.objects.get().version})
    client.post(url("verdict-submit", claim.pk))
    response = client.post(url("verdict-approve", claim.pk), follow=True)
    assert b"You cannot approve your own verdict" in response.content
    assert Verdict.objects.get().status == Verdict.Status.SUBMITTED


def test_an_editor_returns_with_a_comment_and_a_published_verdict_is_locked_until_revised(client, reviewer, editor, rating_scale):
    claim = make_claim()
    client.force_login(reviewer)
    client.post(url("take-next"))
    client.post(url("candidate-cite", claim.pk, claim.candidates.get().pk))
    client.post(url("verdict-save", claim.pk), {"rating": rating_scale.ratings.first().pk, "explanation": "e", "verdict_version": 1})
    client.post(url("verdict-submit", claim.pk))
    client.force_login(editor)
    response = client.post(url("verdict-return", claim.pk), {"comment": ""}, follow=True)
    assert b"Say what the reviewer should change" in response.content
    client.post(url("verdict-return", claim.pk), {"comment": "Cite the agency report"})
    assert Verdict.objects.get().status == Verdict.Status.RETURNED
    client.force_login(reviewer)
    assert b"Cite the agency report" in client.get(url("claim", claim.pk)).content
    version = Verdict.objects.get().version
    client.post(url("verdict-save", claim.pk), {"rating": rating_scale.ratings.first().pk, "explanation": "better", "verdict_version": version})
    client.post(url("verdict-submit", claim.pk))
    client.force_login(editor)
    client.post(url("verdict-approve", claim.pk))
    verdict = Verdict.objects.get()
    assert verdict.status == Verdict.Status.APPROVED
    # Locked: a reviewer's save is refused, nothing changes.
    client.force_login(reviewer)
    response = client.post(url("verdict-save", claim.pk), {"explanation": "sneaky", "verdict_version": verdict.version}, follow=True)
    assert b"can only be edited while it is in review" in response.content
    verdict.refresh_from_db()
    assert verdict.explanation == "better"
    client.force_login(editor)
    client.post(url("verdict-revise", claim.pk), {"reason": "New figures"})
    verdict.refresh_from_db()
    assert verdict.revision == 2 and verdict.status == Verdict.Status.DRAFT
    assert verdict.history.filter(history_change_reason__contains="New figures").exists()


def test_a_second_verdict_save_gets_a_conflict_showing_the_other_change(client, reviewer, reviewer2, rating_scale):
    claim = make_claim()
    client.force_login(reviewer)
    client.post(url("take-next"))
    client.post(url("verdict-save", claim.pk), {"explanation": "first draft"})
    version = Verdict.objects.get().version
    client.post(url("verdict-save", claim.pk), {"explanation": "mine", "verdict_version": version})
    client.force_login(reviewer2)
    response = client.post(url("verdict-save", claim.pk), {"explanation": "theirs", "verdict_version": version})
    assert response.status_code == 409
    assert b"is leased to reviewer" in response.content  # the second saver never held the lease
    assert b"mine" in response.content and b"theirs" in response.content
    assert Verdict.objects.get().explanation == "mine"


def test_a_selection_is_cited_by_offsets_that_must_slice_the_stored_text(client, reviewer):
    claim = make_claim()
    candidate = claim.candidates.get()
    client.force_login(reviewer)
    start = SOURCE.index("The leaders")
    client.post(url("candidate-cite", claim.pk, candidate.pk), {"start": start, "end": len(SOURCE)})
    assert Citation.objects.get().quoted_passage == "The leaders toured the site."
    for bad in ({"start": 5, "end": len(SOURCE) + 1}, {"start": 9, "end": 3}, {"start": "x", "end": "7"}):
        response = client.post(url("candidate-cite", claim.pk, candidate.pk), bad, follow=True)
        assert b"outside the captured source text" in response.content
    assert Citation.objects.count() == 1


def test_dismiss_and_notes(client, reviewer):
    claim = make_claim(candidates=2)
    first = claim.candidates.order_by("rank").first()
    client.force_login(reviewer)
    client.post(url("candidate-dismiss", claim.pk, first.pk))
    first.refresh_from_db()
    assert first.state == Candidate.State.DISMISSED
    assert b"The note is empty" in client.post(url("note-add", claim.pk), {"body": "  "}, follow=True).content
    client.post(url("note-add", claim.pk), {"body": "Ask the <desk>"})
    assert Note.objects.get().body == "Ask the <desk>"
    page = client.get(url("claim", claim.pk)).content
    assert b"Ask the &lt;desk&gt;" in page and b"Source 0 &lt;i&gt;x&lt;/i&gt;" in page


def test_the_provider_fragment_polls_only_while_providers_run(client, reviewer):
    claim = make_claim()
    run = ProviderRun.objects.create(claim=claim, provider="lexical", status=ProviderRun.Status.RUNNING)
    client.force_login(reviewer)
    assert b"data-poll" in client.get(url("providers", claim.pk)).content
    ProviderRun.objects.filter(pk=run.pk).update(status=ProviderRun.Status.SUCCEEDED, candidates_found=3)
    fragment = client.get(url("providers", claim.pk)).content
    assert b"data-poll" not in fragment and b"3 found" in fragment


def test_queue_filters_by_article_tag_and_mine(client, reviewer):
    a = make_claim(tags=["economy"], text="Economy claim")
    b = make_claim(tags=["health"], text="Health claim")
    client.force_login(reviewer)
    assert b"Health claim" not in client.get(url("queue"), {"tag": "economy"}).content
    assert b"Economy claim" in client.get(url("queue"), {"tag": "economy"}).content
    page = client.get(url("queue"), {"article": b.article_id}).content
    assert b"Health claim" in page and b"Economy claim" not in page
    assignment_take_next(reviewer=reviewer)
    mine = client.get(url("queue"), {"mine": "1"}).content
    leased = Claim.objects.get(status=Claim.Status.IN_REVIEW)
    assert leased.normalized_text.encode() in mine
    assert {a.pk, b.pk} - {leased.pk}  # the other one is not in "mine"
    other = (a if leased.pk == b.pk else b).normalized_text.encode()
    assert other not in mine


def test_editor_pages_refuse_reviewers_and_outsiders(client, reviewer, outsider, rating_scale):
    claim = make_claim()
    client.force_login(reviewer)
    assert client.get(url("approvals")).status_code == 403
    assert client.post(url("verdict-approve", claim.pk)).status_code in (403, 404)
    client.force_login(outsider)
    for name in ("queue", "approvals"):
        assert client.get(url(name)).status_code == 403
    response = client.get(url("claim", claim.pk))
    assert response.status_code == 403 and b"Putin" not in response.content
    assert client.post(url("note-add", claim.pk), {"body": "x"}).status_code == 403
    assert not Note.objects.exists()


def test_queue_and_claim_page_queries_are_bounded_with_50_claims_of_20_candidates(
    client, reviewer, rating_scale, django_assert_max_num_queries
):
    article = Article.objects.create(headline="Big", body="Putin met Kim at Vostochny. " * 60)
    claims = [make_claim(candidates=20, article=article, text=f"Claim number {i}", at=28 * i) for i in range(50)]
    client.force_login(reviewer)
    client.post(url("candidate-cite", claims[0].pk, claims[0].candidates.first().pk))
    ProviderRun.objects.create(claim=claims[0], provider="lexical", status=ProviderRun.Status.RUNNING)
    Note.objects.create(claim=claims[0], author=reviewer, body="n")
    with django_assert_max_num_queries(6):
        response = client.get(url("queue"))
    assert response.content.count(b"Claim number") == 49
    with django_assert_max_num_queries(14):
        response = client.get(url("claim", claims[0].pk))
    assert response.content.count(b'class="candidate ') == 20


def test_a_javascript_url_from_a_source_never_becomes_a_link(client, reviewer):
    claim = make_claim()
    SourceDocument.objects.filter(candidates__claim=claim).update(kind=SourceDocument.Kind.FACTCHECK, url="javascript:alert(1)")
    client.force_login(reviewer)
    page = client.get(url("claim", claim.pk)).content
    assert b"Source 0 &lt;i&gt;x&lt;/i&gt;" in page and b'href="javascript:' not in page


def test_the_approvals_page_runs_a_fixed_number_of_queries(client, reviewer, editor, rating_scale, django_assert_max_num_queries):
    from django.utils import timezone

    rating = rating_scale.ratings.first()
    for i in range(20):
        Verdict.objects.create(claim=make_claim(candidates=0, text=f"Submitted claim {i}"), reviewer=reviewer, rating=rating,
                               explanation="e", status=Verdict.Status.SUBMITTED, submitted_at=timezone.now())
    client.force_login(editor)
    with django_assert_max_num_queries(5):
        response = client.get(url("approvals"))
    assert response.content.count(b"Submitted claim") == 20
