"""Only the holder of a claim's live review lease changes its verdict: pages, API and admin alike."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from claims.services.claim_actions import claim_reassign
from reviewers.models import Assignment, Citation, Verdict
from reviewers.services import LeaseConflict, assignment_take_next, assignments_expire, verdict_save
from tests.test_reviewer_workflow import make_claim

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"reviewers:{name}", args=args)


def expire_lease(claim):
    Assignment.objects.filter(claim=claim, status="active").update(lease_expires_at=timezone.now() - timedelta(seconds=1))


@pytest.fixture
def leased(reviewer, rating_scale):
    """A claim leased to ``reviewer`` with their draft verdict (version 1)."""
    claim = make_claim()
    assignment_take_next(reviewer=reviewer)
    verdict_save(claim=claim, reviewer=reviewer, rating=rating_scale.ratings.get(label="True"), explanation="Holder's draft")
    return claim


def test_it_refuses_a_save_by_someone_who_never_held_the_lease_and_shows_both_texts(client, leased, reviewer2):
    client.force_login(reviewer2)
    page = client.get(url("claim", leased.pk)).content
    assert b"Leased to reviewer until" in page and b'id="verdict-form"' not in page and b'class="cite"' not in page
    response = client.post(url("verdict-save", leased.pk), {"explanation": "Not mine to write", "verdict_version": 1})
    assert response.status_code == 409
    body = response.content.decode()
    assert "is leased to reviewer until" in body and "nothing of yours was saved" in body
    assert "Holder&#x27;s draft" in body and "Not mine to write" in body
    verdict = Verdict.objects.get()
    assert (verdict.explanation, verdict.version, verdict.reviewer.username) == ("Holder's draft", 1, "reviewer")


def test_it_refuses_citing_dismissing_and_submitting_on_someone_elses_lease(client, leased, reviewer2):
    candidate = leased.candidates.get()
    client.force_login(reviewer2)
    for name in ("candidate-cite", "candidate-dismiss"):
        response = client.post(url(name, leased.pk, candidate.pk), follow=True)
        assert b"is leased to reviewer" in response.content, name
    assert b"is leased to reviewer" in client.post(url("verdict-submit", leased.pk), follow=True).content
    candidate.refresh_from_db()
    assert not Citation.objects.exists() and candidate.state == "suggested"
    assert Verdict.objects.get().status == Verdict.Status.DRAFT


def test_a_reviewer_whose_lease_expired_cannot_overwrite_the_next_holder(leased, reviewer, reviewer2):
    expire_lease(leased)
    assert assignments_expire() == 1  # the sweeper returns the claim to the queue
    assert assignment_take_next(reviewer=reviewer2).claim_id == leased.pk
    verdict_save(claim=leased, reviewer=reviewer2, explanation="Second holder's text", expected_version=1)
    with pytest.raises(LeaseConflict) as refused:
        verdict_save(claim=leased, reviewer=reviewer, explanation="Late save", expected_version=2)
    assert refused.value.current.explanation == "Second holder's text"
    assert Verdict.objects.get().explanation == "Second holder's text"


def test_an_expired_lease_not_yet_swept_is_free_to_take_over_from_the_current_version(leased, reviewer, reviewer2):
    expire_lease(leased)
    saved = verdict_save(claim=leased, reviewer=reviewer2, explanation="Taken over", expected_version=1)
    assert saved.reviewer == reviewer2 and saved.version == 2
    old, new = Assignment.objects.filter(claim=leased).order_by("id")
    assert (old.reviewer, old.status) == (reviewer, "expired") and (new.reviewer, new.status) == (reviewer2, "active")
    assert assignments_expire() == 0  # the new lease is live; the claim stays with reviewer2
    with pytest.raises(LeaseConflict):
        verdict_save(claim=leased, reviewer=reviewer, explanation="mine again", expected_version=2)


def test_each_save_by_the_holder_renews_the_lease(leased, reviewer):
    Assignment.objects.filter(claim=leased).update(lease_expires_at=timezone.now() + timedelta(seconds=5))
    verdict_save(claim=leased, reviewer=reviewer, explanation="still working", expected_version=1)
    assert Assignment.objects.get(claim=leased, status="active").lease_expires_at > timezone.now() + timedelta(minutes=10)


def test_the_same_reviewer_in_two_tabs_gets_a_version_conflict(client, leased, reviewer):
    client.force_login(reviewer)
    client.post(url("verdict-save", leased.pk), {"explanation": "tab one", "verdict_version": 1})
    response = client.post(url("verdict-save", leased.pk), {"explanation": "tab two", "verdict_version": 1})
    assert response.status_code == 409
    assert b"since you opened it" in response.content and b"tab one" in response.content and b"tab two" in response.content
    assert Verdict.objects.get().explanation == "tab one"


def _api(user, token_for):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_for(user, ('read', 'review'))}")
    return client


def _post(client, path, payload):
    return client.post(path, json.dumps(payload), content_type="application/json")


def test_the_api_answers_409_on_someone_elses_lease_and_overwrites_nothing(leased, reviewer2, token_for):
    api = _api(reviewer2, token_for)
    base = f"/api/v1/claims/{leased.pk}/verdict/"
    put = api.put(base, json.dumps({"explanation": "API overwrite", "expected_version": 1}), content_type="application/json")
    assert put.status_code == 409
    error = put.json()["errors"][0]
    assert (error["field"], error["code"]) == ("lease", "conflict") and "leased to reviewer" in error["message"]
    cite = _post(api, base + "citations/", {"quoted_passage": "x", "url": "https://e.org/"})
    assert cite.status_code == 409 and cite.json()["errors"][0]["field"] == "lease"
    assert _post(api, base + "submit/", {}).status_code == 409
    assert Verdict.objects.get().explanation == "Holder's draft" and not Citation.objects.exists()


def test_a_reassigned_reviewer_cites_and_submits_through_the_api(leased, editor, reviewer, reviewer2, token_for):
    claim_reassign(claim_id=leased.pk, reviewer=reviewer2, editor=editor)
    base = f"/api/v1/claims/{leased.pk}/verdict/"
    # The old holder's writes are refused from the moment the claim changes hands.
    old = _api(reviewer, token_for).put(base, json.dumps({"explanation": "late", "expected_version": 1}), content_type="application/json")
    assert old.status_code == 409 and "leased to reviewer2" in old.json()["errors"][0]["message"]
    api = _api(reviewer2, token_for)
    candidate = leased.candidates.get()
    cite = _post(api, base + "citations/", {"quoted_passage": candidate.passage, "candidate": candidate.pk})
    assert cite.status_code == 201, cite.json()
    submitted = _post(api, base + "submit/", {"expected_version": 1})
    assert submitted.status_code == 200, submitted.json()
    assert submitted.json()["status"] == "submitted"
    verdict = Verdict.objects.get()
    assert verdict.reviewer == reviewer2 and verdict.explanation == "Holder's draft"  # who submits answers for it


def test_an_editor_editing_a_leased_verdict_in_the_admin_is_refused(client, leased, editor):
    client.force_login(editor)
    response = client.post(f"/admin/reviewers/verdict/{Verdict.objects.get().pk}/change/", {
        "rating": "", "explanation": "Editor overwrite",
        "citations-TOTAL_FORMS": "0", "citations-INITIAL_FORMS": "0", "citations-MIN_NUM_FORMS": "0", "citations-MAX_NUM_FORMS": "1000",
    }, follow=True)
    assert "is leased to reviewer" in response.content.decode() and "successfully" not in response.content.decode()
    assert Verdict.objects.get().explanation == "Holder's draft"


def test_the_sweeper_leaves_a_lease_renewed_after_it_listed_the_expired_ones(leased, reviewer, monkeypatch):
    import reviewers.services as services

    expire_lease(leased)
    real_atomic = services.transaction.atomic

    def renew_then_atomic(*args, **kwargs):  # the holder saves between the sweeper's list and its lock
        monkeypatch.setattr(services.transaction, "atomic", real_atomic)
        verdict_save(claim=leased, reviewer=reviewer, explanation="saved just in time", expected_version=1)
        return real_atomic(*args, **kwargs)

    monkeypatch.setattr(services.transaction, "atomic", renew_then_atomic)
    assert assignments_expire() == 0
    leased.refresh_from_db()
    assert leased.status == "in_review" and Assignment.objects.get(claim=leased, status="active").reviewer == reviewer
