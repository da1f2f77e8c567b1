"""The editors' dashboard: aggregate figures drawn as server-rendered SVG, editors only."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from claims.models import Article, Claim
from claims.services.lifecycle import claim_transition
from reviewers.models import Verdict

pytestmark = pytest.mark.django_db


def test_dashboard_counts_statuses_queue_age_verdicts_and_ratings(client, editor, editor2, reviewer, rating_scale,
                                                                   django_assert_max_num_queries):
    article = Article.objects.create(headline="h", body="x" * 50)
    claims = []
    for i in range(3):
        claim = Claim.objects.create(article=article, text="x", normalized_text=f"c{i}", span_start=i, span_end=i + 1)
        for action in ("start_gathering", "finish_gathering"):
            claim_transition(claim=claim, action=action)
        claims.append(claim)
    Claim.objects.filter(pk=claims[0].pk).update(status_changed_at=timezone.now() - timedelta(days=5))
    Claim.objects.filter(pk=claims[2].pk).update(status="published")
    label = rating_scale.ratings.get(value=1)
    Verdict.objects.create(claim=claims[2], reviewer=reviewer, rating=label, status="approved", approved_by=editor2,
                           approved_at=timezone.now())
    Claim.objects.create(article=article, text="y", normalized_text="<script>x</script>", span_start=9, span_end=10)
    client.force_login(editor)
    with django_assert_max_num_queries(8):
        page = client.get(reverse("reviewers:dashboard")).content.decode()

    def row(title, name):
        table = page.split(f"<caption>{title} (data)</caption>")[1].split("</table>")[0]
        return int(re.search(rf"<th scope=\"row\">{re.escape(name)}</th><td>(\d+)</td>", table).group(1))

    assert row("Claims by status", "Ready for review") == 2
    assert row("Claims by status", "Published") == 1
    assert row("Claims by status", "New") == 1
    assert row("Time waiting in the queue (ready for review)", "&gt; 3 days") == 1
    assert row("Time waiting in the queue (ready for review)", "&lt; 1 h") == 1
    assert row("Verdicts approved per day (last 14 days)", str(timezone.now().date())) == 1
    assert row("Rating distribution of published verdicts", "False") == 1
    assert page.count("<svg") == 4


def test_dashboard_is_for_editors(client, reviewer):
    client.force_login(reviewer)
    assert client.get(reverse("reviewers:dashboard")).status_code == 403
