"""A previously verified claim's match level ("strong" / "suggested") is shown wherever its candidate is."""
from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from claims.models import Article, Candidate, Claim, SourceDocument
from claims.services.lifecycle import claim_transition

pytestmark = pytest.mark.django_db


@pytest.fixture
def matched_claim(factcheck_document):
    article = Article.objects.create(headline="Kim abroad", body="Kim's trip to Russia was his first since the pandemic.",
                                     status=Article.Status.PROCESSED)
    claim = Claim.objects.create(article=article, text=article.body, normalized_text=article.body,
                                 span_start=0, span_end=len(article.body), score=0.9)
    for action in ("start_gathering", "finish_gathering"):
        claim_transition(claim=claim, action=action)
    other = SourceDocument.objects.create(kind=SourceDocument.Kind.FACTCHECK, title="Kim visited China in 2019",
                                          body="Kim visited China in 2019.", rating_label="True")
    Candidate.objects.create(claim=claim, document=factcheck_document, provider="previously_verified", score=0.03,
                             rank=1, match_level=Candidate.MatchLevel.STRONG)
    Candidate.objects.create(claim=claim, document=other, provider="previously_verified", score=0.02,
                             rank=2, match_level=Candidate.MatchLevel.SUGGESTED)
    return claim


def test_the_api_gives_each_candidate_its_match_level(matched_claim, cms):
    response = cms.get(f"/api/v1/articles/{matched_claim.article_id}/")
    assert response.status_code == 200, response.json()
    candidates = response.json()["claims"][0]["candidates"]
    assert [(c["rank"], c["match_level"]) for c in candidates] == [(1, "strong"), (2, "suggested")]


def test_the_fast_claim_serializer_gives_the_match_level_too(matched_claim, make_user, token_for):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_for(make_user('desk-bot'), ('read',))}")
    response = client.get(f"/api/v1/claims/{matched_claim.pk}/")
    assert response.status_code == 200, response.json()
    assert [c["match_level"] for c in response.json()["candidates"]] == ["strong", "suggested"]


def test_the_reviewer_claim_page_says_strong_or_suggested(client, reviewer, matched_claim):
    client.force_login(reviewer)
    page = client.get(reverse("reviewers:claim", args=[matched_claim.pk])).content.decode()
    previously_verified = page.split('id="prev-h"', 1)[1].split("</section>", 1)[0]
    assert "Strong match" in previously_verified and "Suggested match" in previously_verified
    assert previously_verified.index("Strong match") < previously_verified.index("Suggested match")


def test_the_admin_claim_page_shows_the_match_level(client, django_user_model, matched_claim):
    client.force_login(django_user_model.objects.create_superuser("boss", password="pw-boss"))
    page = client.get(reverse("admin:claims_claim_change", args=[matched_claim.pk])).content.decode()
    assert "Match level" in page and "Strong match" in page and "Suggested match" in page
