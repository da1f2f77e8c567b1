"""PUT/PATCH /api/v1/articles/{id}/: revisions keep the work on unchanged claims, mark vanished ones stale."""
from __future__ import annotations

import json

import pytest
from rest_framework.test import APIClient

from claims.models import Article, ArticleRevision, Candidate, Claim
from reviewers.models import Verdict
from reviewers.services import verdict_save
from tests.conftest import ARTICLE_BODY

pytestmark = pytest.mark.django_db

LAVROV = "Russian Foreign Minister Sergey Lavrov arrived in Pyongyang on Wednesday for two days of talks."
PUTIN = "Vladimir Putin met Kim at the Vostochny Cosmodrome on 13 September 2023."
NEW = "Choe Son Hui said on 18 October 2023 that 3 new agreements were signed in Pyongyang."


def _send(client, method, url, payload, **extra):
    return getattr(client, method)(url, json.dumps(payload), content_type="application/json", **extra)


@pytest.fixture
def processed(cms, article_payload, reference_documents, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = _send(cms, "post", "/api/v1/articles/", article_payload)
    article = Article.objects.get(pk=response.json()["id"])
    assert article.status == Article.Status.PROCESSED
    return article


def test_it_keeps_unchanged_claims_marks_vanished_ones_stale_and_extracts_new_ones(
    cms, processed, reviewer, rating_scale, reference_documents, django_capture_on_commit_callbacks
):
    putin = processed.claims.get(text=PUTIN)
    lavrov = processed.claims.get(text=LAVROV)
    assert putin.status == Claim.Status.READY_FOR_REVIEW
    verdict_save(claim=putin, reviewer=reviewer, rating=rating_scale.ratings.get(label="True"), explanation="Seen on TV.")
    # Whatever gathering found, the claim holds at least this candidate.
    Candidate.objects.get_or_create(
        claim=putin, document=reference_documents[0], defaults={"provider": "reference_corpus", "score": 1.0, "rank": 1}
    )
    candidates_before = sorted(putin.candidates.values_list("document_id", flat=True))
    assert candidates_before

    new_body = NEW + " " + ARTICLE_BODY.replace(LAVROV + " ", "")
    with django_capture_on_commit_callbacks(execute=True):
        response = _send(cms, "put", f"/api/v1/articles/{processed.pk}/", {"headline": "Lavrov visits Pyongyang", "body": new_body})
    assert response.status_code == 200, response.json()
    assert response.json()["revision"] == 2 and response.json()["revised"] and response.json()["body_changed"]

    processed.refresh_from_db()
    assert processed.body == new_body and processed.status == Article.Status.PROCESSED
    putin.refresh_from_db()
    assert putin.status == Claim.Status.IN_REVIEW, "the claim under review keeps its state"
    assert processed.body[putin.span_start : putin.span_end] == PUTIN, "its span follows the text"
    assert Verdict.objects.get(claim=putin).explanation == "Seen on TV."
    assert sorted(putin.candidates.values_list("document_id", flat=True)) == candidates_before
    lavrov.refresh_from_db()
    assert lavrov.status == Claim.Status.STALE
    added = processed.claims.get(text=NEW)
    assert added.status == Claim.Status.READY_FOR_REVIEW and added.span_start == 0
    assert processed.claims.filter(text=PUTIN).count() == 1, "no second copy of a kept claim"
    for claim in processed.claims.exclude(status=Claim.Status.STALE):
        assert processed.body[claim.span_start : claim.span_end] == claim.text
    revisions = list(ArticleRevision.objects.filter(article=processed).order_by("number"))
    assert [(r.number, r.body) for r in revisions] == [(1, ARTICLE_BODY), (2, new_body)]
    listed = cms.get(f"/api/v1/articles/{processed.pk}/revisions/").json()
    assert [r["number"] for r in listed] == [1, 2]
    shown = cms.get(f"/api/v1/articles/{processed.pk}/").json()
    assert shown["revision"] == 2 and LAVROV not in [c["text"] for c in shown["claims"]]


def test_sending_the_same_article_again_is_not_a_new_revision(cms, processed, article_payload):
    payload = {k: v for k, v in article_payload.items()}
    response = _send(cms, "put", f"/api/v1/articles/{processed.pk}/", payload)
    assert response.status_code == 200 and response.json()["revised"] is False
    processed.refresh_from_db()
    assert processed.revision == 1 and not ArticleRevision.objects.exists()


def test_a_headline_patch_is_a_revision_without_re_extraction(cms, processed):
    claims_before = list(processed.claims.values_list("pk", "status", "span_start"))
    response = _send(cms, "patch", f"/api/v1/articles/{processed.pk}/", {"headline": "Lavrov in Pyongyang"})
    assert response.status_code == 200
    assert response.json() | {"url": None} == {
        "id": processed.pk, "status": "processed", "url": None, "revision": 2, "revised": True, "body_changed": False,
    }
    assert list(processed.claims.values_list("pk", "status", "span_start")) == claims_before


def test_it_refuses_to_change_the_external_id(cms, processed):
    response = _send(cms, "patch", f"/api/v1/articles/{processed.pk}/", {"external_id": "cms-43", "headline": "X"})
    assert response.status_code == 400
    assert response.json()["errors"][0] == {
        "field": "external_id", "code": "immutable", "message": response.json()["errors"][0]["message"],
    }
    processed.refresh_from_db()
    assert processed.headline == "Lavrov visits Pyongyang" and processed.revision == 1


def test_another_client_cannot_revise_the_article(processed, make_user, token_for):
    other = APIClient()
    other.credentials(HTTP_AUTHORIZATION=f"Bearer {token_for(make_user('other-cms'), ('ingest', 'read'))}")
    response = _send(other, "patch", f"/api/v1/articles/{processed.pk}/", {"body": "Something else entirely was said."})
    assert response.status_code == 403 and response.json()["errors"][0]["code"] == "permission_denied"
    processed.refresh_from_db()
    assert processed.body == ARTICLE_BODY and processed.revision == 1


def test_a_body_change_during_extraction_is_refused_for_a_retry(cms, processed):
    Article.objects.filter(pk=processed.pk).update(status=Article.Status.EXTRACTING)
    response = _send(cms, "patch", f"/api/v1/articles/{processed.pk}/", {"body": "Kim went to Moscow in 2019, said aides."})
    assert response.status_code == 409 and response.json()["errors"][0]["code"] == "busy"
    processed.refresh_from_db()
    assert processed.body == ARTICLE_BODY and processed.revision == 1


def test_swapped_sentences_keep_their_claims(cms, processed, django_capture_on_commit_callbacks):
    before = {c.text: c.pk for c in processed.claims.all()}
    sentences = [LAVROV, PUTIN]
    swapped = ARTICLE_BODY.replace(sentences[0], "\x00").replace(sentences[1], sentences[0]).replace("\x00", sentences[1])
    with django_capture_on_commit_callbacks(execute=True):
        assert _send(cms, "patch", f"/api/v1/articles/{processed.pk}/", {"body": swapped}).status_code == 200
    processed.refresh_from_db()
    after = {c.text: c.pk for c in processed.claims.exclude(status=Claim.Status.STALE)}
    assert after == before
    for claim in processed.claims.all():
        assert swapped[claim.span_start : claim.span_end] == claim.text
