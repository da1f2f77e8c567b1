"""The editors' admin, end to end: a reviewer records a verdict with a citation, an editor
approves it, and the published claim is in all three export formats. Also the admin's
guards: versioned claim edits, refused moves shown as messages, retrying failed articles.
"""
from __future__ import annotations

import csv
import io
import json
from html.parser import HTMLParser

import pytest
from django.contrib.messages import get_messages
from django.test import Client

from claims.models import Article, Candidate, Claim
from claims.services.articles import article_ingest
from reviewers.models import Verdict

pytestmark = pytest.mark.django_db

from .conftest import ARTICLE_BODY  # noqa: E402


@pytest.fixture
def ready_claim(reference_documents, editor, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        article = article_ingest(headline="Lavrov visits Pyongyang", body=ARTICLE_BODY, created_by=editor).article
    claim = (
        Claim.objects.filter(article=article, status=Claim.Status.READY_FOR_REVIEW, candidates__isnull=False)
        .distinct()
        .first()
    )
    assert claim is not None, "the pipeline should leave a reviewable claim with candidates"
    return claim


def _login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


class _FormFields(HTMLParser):
    def __init__(self):
        super().__init__()
        self.fields: dict[str, str] = {}
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("name") and attrs.get("type") not in {"submit", "checkbox"}:
            self.fields[attrs["name"]] = attrs.get("value") or ""
        elif tag == "textarea":
            self._textarea = attrs.get("name")
            self.fields[self._textarea] = ""

    def handle_data(self, data):
        if self._textarea:
            self.fields[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None


def _form_fields(response) -> dict[str, str]:
    parser = _FormFields()
    parser.feed(response.content.decode())
    parser.fields.pop("csrfmiddlewaretoken", None)
    return parser.fields


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_a_reviewer_records_a_verdict_with_a_citation_and_an_editor_approves_it_in_the_admin(
    ready_claim, reviewer, editor, rating_scale, cms
):
    candidate: Candidate = ready_claim.candidates.select_related("document").first()
    passage = candidate.document.body.split(". ")[0]
    rating = rating_scale.ratings.get(label="True")

    as_reviewer = _login(reviewer)
    response = as_reviewer.post("/admin/reviewers/verdict/add/", {
        "claim": ready_claim.pk, "rating": rating.pk, "explanation": "The reference document states it plainly.",
        "citations-TOTAL_FORMS": "1", "citations-INITIAL_FORMS": "0",
        "citations-MIN_NUM_FORMS": "0", "citations-MAX_NUM_FORMS": "1000",
        "citations-0-candidate": candidate.pk, "citations-0-quoted_passage": passage,
        "citations-0-url": "", "citations-0-title": "", "citations-0-publisher": "",
    })
    assert response.status_code == 302, response.content[:2000]
    verdict = Verdict.objects.get(claim=ready_claim)
    assert verdict.reviewer == reviewer and verdict.rating == rating
    citation = verdict.citations.get()
    assert citation.quoted_passage == passage and citation.captured_text == candidate.document.body
    assert len(citation.captured_sha256) == 64

    response = as_reviewer.post("/admin/reviewers/verdict/", {"action": "submit_for_approval", "_selected_action": [verdict.pk]})
    assert response.status_code == 302
    ready_claim.refresh_from_db()
    assert ready_claim.status == Claim.Status.AWAITING_APPROVAL

    # The reviewer has no approve permission: the action is not even offered to them.
    response = as_reviewer.post("/admin/reviewers/verdict/", {"action": "approve", "_selected_action": [verdict.pk]})
    ready_claim.refresh_from_db()
    assert ready_claim.status == Claim.Status.AWAITING_APPROVAL

    response = _login(editor).post("/admin/reviewers/verdict/", {"action": "approve", "_selected_action": [verdict.pk]}, follow=True)
    assert "1 verdict(s) published." in _messages(response)
    ready_claim.refresh_from_db()
    verdict.refresh_from_db()
    assert ready_claim.status == Claim.Status.PUBLISHED
    assert verdict.status == Verdict.Status.APPROVED and verdict.approved_by == editor

    exported = cms.get("/api/v1/exports/claims.json")
    items = json.loads(b"".join(exported.streaming_content))
    items = items.get("claims", items) if isinstance(items, dict) else items
    assert [item["id"] for item in items] == [ready_claim.pk]

    rows = list(csv.DictReader(io.StringIO(b"".join(cms.get("/api/v1/exports/claims.csv").streaming_content).decode())))
    assert len(rows) == 1 and "True" in rows[0].values()

    graph = json.loads(b"".join(cms.get("/api/v1/exports/claims.jsonld").streaming_content))["@graph"]
    assert len(graph) == 1 and graph[0]["@type"] == "ClaimReview"
    assert graph[0]["reviewRating"]["alternateName"] == "True"
    assert graph[0]["url"].endswith(f"/verdicts/{verdict.pk}/")


def test_the_admin_refuses_self_approval_with_the_reason(ready_claim, make_user, rating_scale):
    # An editor who reviewed the claim themselves may not publish their own verdict.
    from reviewers.services import citation_add, verdict_save, verdict_submit

    both = make_user("editor-reviewer", "Editors")
    verdict = verdict_save(claim=ready_claim, reviewer=both, rating=rating_scale.ratings.first(), explanation="x")
    candidate = ready_claim.candidates.first()
    citation_add(verdict=verdict, user=both, quoted_passage=candidate.document.body[:40], candidate=candidate)
    verdict_submit(verdict=verdict, user=both)

    response = _login(both).post("/admin/reviewers/verdict/", {"action": "approve", "_selected_action": [verdict.pk]}, follow=True)
    assert any("own" in m for m in _messages(response)), _messages(response)
    ready_claim.refresh_from_db()
    assert ready_claim.status == Claim.Status.AWAITING_APPROVAL


def test_a_claim_wording_edit_in_the_admin_is_versioned_and_a_stale_form_is_refused(ready_claim, editor):
    client = _login(editor)
    url = f"/admin/claims/claim/{ready_claim.pk}/change/"
    form = {"normalized_text": "Sergey Lavrov arrived in Pyongyang on 18 October 2023.", "priority": 3, "deadline": "",
            "expected_version": ready_claim.version}
    page = _form_fields(client.get(url))  # the inlines' management forms, as a browser would send them
    assert page["expected_version"] == str(ready_claim.version)
    form = {**page, **form}
    assert client.post(url, form).status_code == 302
    ready_claim.refresh_from_db()
    assert ready_claim.normalized_text == form["normalized_text"] and ready_claim.version == form["expected_version"] + 1
    assert ready_claim.priority == 3
    assert ready_claim.history.first().history_change_reason in {"edited in the admin", "priority or deadline changed"}

    stale = {**form, "normalized_text": "An older idea of the wording."}  # still carries the old version
    response = client.post(url, stale)
    assert response.status_code == 200 and b"Someone changed this claim" in response.content
    ready_claim.refresh_from_db()
    assert ready_claim.normalized_text == form["normalized_text"]


def test_an_illegal_move_from_the_admin_shows_the_state_machine_reason(ready_claim, editor):
    client = _login(editor)
    response = client.post("/admin/claims/claim/", {"action": "reject_not_checkworthy", "_selected_action": [ready_claim.pk]}, follow=True)
    assert "1 claim(s) rejected as not check-worthy." in _messages(response)
    response = client.post("/admin/claims/claim/", {"action": "reject_not_checkworthy", "_selected_action": [ready_claim.pk]}, follow=True)
    reason = [m for m in _messages(response) if f"Claim {ready_claim.pk} is 'Rejected' and cannot" in m]
    assert reason and "From this state it can:" in reason[0], _messages(response)


def test_failed_articles_can_be_retried_from_the_admin(editor, reference_documents, django_capture_on_commit_callbacks):
    article = Article.objects.create(headline="Broken once", body=ARTICLE_BODY, status=Article.Status.FAILED, error="RuntimeError: boom")
    done = Article.objects.create(headline="Fine", body="Nothing to see.", status=Article.Status.PROCESSED)
    with django_capture_on_commit_callbacks(execute=True):
        response = _login(editor).post(
            "/admin/claims/article/", {"action": "retry_extraction", "_selected_action": [article.pk, done.pk]}, follow=True
        )
    messages = _messages(response)
    assert "Extraction queued again for 1 article(s)." in messages
    assert "1 article(s) had not failed and were left alone." in messages
    article.refresh_from_db()
    assert article.status == Article.Status.PROCESSED and article.error == ""
    assert article.claims.exists()
