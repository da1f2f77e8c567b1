"""Storing extracted claims: exact spans, all-or-nothing, idempotent."""
from __future__ import annotations

import pytest
from django.db import IntegrityError

from claims.models import Article, Claim
from claims.services.extraction import article_extract_claims
from claims.tasks import extract_article_claims

pytestmark = pytest.mark.django_db

BODY = (
    "Sergey Lavrov arrived in Pyongyang on Wednesday. "
    "Kim Jong Un visited Russia in September 2023, his first trip abroad since the pandemic. "
    "Putin accepted an invitation to visit North Korea, the Kremlin said on 14 September 2023."
)


@pytest.fixture
def article():
    return Article.objects.create(headline="Lavrov", body=BODY)


def test_it_stores_claims_whose_spans_slice_the_article_exactly(article):
    article_extract_claims(article_id=article.pk)
    article.refresh_from_db()
    assert article.status == Article.Status.PROCESSED and article.processed_at
    claims = list(article.claims.all())
    assert claims
    for claim in claims:
        assert article.body[claim.span_start : claim.span_end] == claim.text
        assert 0 <= claim.score <= 1 and claim.fingerprint
    assert claims[0].history.first().history_change_reason == "extracted"


def test_it_creates_nothing_twice_when_run_again(article):
    first = article_extract_claims(article_id=article.pk)
    count = article.claims.count()
    assert article_extract_claims(article_id=article.pk) == []
    assert article.claims.count() == count and first


def test_a_failure_halfway_leaves_no_partial_set_of_claims(article):
    from claims import extraction

    spans = [(c.start, c.end) for c in extraction.extract(BODY)]
    assert len(spans) >= 3
    # A claim for the third sentence already exists (say, added by an editor as a
    # pipeline claim): storing the third extracted claim violates the unique span.
    start, end = spans[2]
    Claim.objects.create(article=article, text=BODY[start:end], normalized_text="x", span_start=start, span_end=end)
    with pytest.raises(IntegrityError):
        article_extract_claims(article_id=article.pk)
    assert article.claims.count() == 1, "the first two claims were rolled back with the failure"
    article.refresh_from_db()
    assert article.status == Article.Status.EXTRACTING


def test_the_task_records_a_failure_for_the_editor(article):
    from claims import extraction

    start, end = [(c.start, c.end) for c in extraction.extract(BODY)][0]
    Claim.objects.create(article=article, text=BODY[start:end], normalized_text="x", span_start=start, span_end=end)
    with pytest.raises(IntegrityError):
        extract_article_claims.delay(article.pk)
    article.refresh_from_db()
    assert article.status == Article.Status.FAILED and "IntegrityError" in article.error
