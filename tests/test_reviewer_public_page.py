"""/verdicts/<id>/: the public fact check, its ClaimReview markup, and what it shows while a revision is under way."""
from __future__ import annotations

import json
import re

import pytest

from claims.exports import claimreview_problems
from claims.models import Article
from reviewers.models import Citation, Verdict
from reviewers.services import (
    assignment_take_next,
    candidate_cite,
    citation_add,
    verdict_approve,
    verdict_revise,
    verdict_save,
    verdict_submit,
)
from tests.test_reviewer_workflow import make_claim

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(reviewer, editor, rating_scale):
    article = Article.objects.create(headline="Kim in Russia", body="Putin met Kim at Vostochny. More text here.",
                                     url="https://news.example.org/kim", byline="A. Writer")
    claim = make_claim(article=article, text="Putin met Kim at Vostochny </script><b>")
    assignment_take_next(reviewer=reviewer)
    candidate_cite(candidate=claim.candidates.get(), user=reviewer)
    verdict = verdict_save(claim=claim, reviewer=reviewer, rating=rating_scale.ratings.get(label="True"),
                           explanation="Reported & confirmed.", expected_version=1)
    verdict_submit(verdict=verdict, user=reviewer)
    return verdict_approve(verdict=verdict, editor=editor)


def _claim_review(content: bytes) -> dict:
    found = re.search(rb'<script type="application/ld\+json">(.*?)</script>', content, re.S)
    assert found, "no ClaimReview markup"
    return json.loads(found.group(1))


def test_it_embeds_valid_claimreview_markup_that_cannot_break_out_of_its_script(client, published, settings):
    response = client.get(f"/verdicts/{published.pk}/")
    assert response.status_code == 200
    node = _claim_review(response.content)
    assert claimreview_problems(node) == []
    assert node["claimReviewed"] == "Putin met Kim at Vostochny </script><b>"  # escaped in the page, intact as data
    assert node["reviewRating"]["alternateName"] == "True" and node["url"].endswith(f"/verdicts/{published.pk}/")
    assert response.content.count(b"</script>") == 1
    assert f'<link rel="canonical" href="{node["url"]}">'.encode() in response.content


def test_a_revision_under_way_keeps_the_published_version_public(client, published, editor, reviewer, rating_scale):
    verdict_revise(verdict=published, editor=editor, reason="New figures")
    draft = verdict_save(claim=published.claim, reviewer=reviewer, rating=rating_scale.ratings.get(label="False"),
                         explanation="Unapproved rewrite", expected_version=Verdict.objects.get().version)
    citation_add(verdict=draft, user=reviewer, quoted_passage="draft-only source", url="https://draft.example.org/")
    response = client.get(f"/verdicts/{published.pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "being revised (New figures)" in page and "Reported &amp; confirmed." in page
    assert "Unapproved rewrite" not in page and "draft-only source" not in page
    assert "Vladimir Putin hosted Kim" in page  # the published citation is still listed
    assert _claim_review(response.content)["reviewRating"]["alternateName"] == "True"


def test_the_public_page_runs_a_fixed_number_of_queries(client, published, reviewer, django_assert_max_num_queries):
    Citation.objects.bulk_create(  # more citations do not mean more queries
        Citation(verdict=published, url=f"https://e.org/{i}", quoted_passage=f"extra {i}", accessed_at=published.approved_at,
                 created_by=reviewer)
        for i in range(10)
    )
    with django_assert_max_num_queries(3):
        response = client.get(f"/verdicts/{published.pk}/")
    assert response.content.count(b"extra ") == 10
