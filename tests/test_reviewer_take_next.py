"""Take next under concurrency and the documented queue order (real database; threads with their own connections)."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from claims.models import Article, Claim
from claims.services.lifecycle import claim_transition
from reviewers.models import Assignment
from reviewers.services import assignment_take_next, assignments_expire


def ready(article, i, **fields):
    claim = Claim.objects.create(article=article, text="x", normalized_text=f"c{i}", span_start=i, span_end=i + 1, **fields)
    for action in ("start_gathering", "finish_gathering"):
        claim_transition(claim=claim, action=action)
    return claim


@pytest.mark.django_db(transaction=True)
def test_reviewers_pressing_take_next_together_get_different_claims(make_user):
    article = Article.objects.create(headline="h", body="x" * 50)
    claims = [ready(article, i) for i in range(4)]
    users = [make_user(f"r{i}", "Reviewers") for i in range(4)]
    barrier = threading.Barrier(len(users))
    taken, errors = [], []

    def press(user):
        try:
            barrier.wait()
            assignment = assignment_take_next(reviewer=user)
            taken.append(assignment.claim_id if assignment else None)
        except Exception as exc:  # reported below with the thread's error
            errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=press, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    assert sorted(taken) == sorted(c.pk for c in claims)  # everyone got one, nobody the same
    assert Assignment.objects.filter(status="active").count() == 4


@pytest.mark.django_db
def test_take_next_follows_the_documented_priority_and_an_expired_lease_returns_the_claim(reviewer):
    now = timezone.now()
    old = Article.objects.create(headline="old", body="x" * 50, published_at=now - timedelta(days=2))
    new = Article.objects.create(headline="new", body="x" * 50, published_at=now)
    low = ready(new, 0, score=0.2)
    recent = ready(new, 1, score=0.5)
    older = ready(old, 2, score=0.5)
    urgent = ready(old, 3, score=0.1, priority=5)
    due = ready(new, 4, score=0.5, deadline=now + timedelta(hours=1))
    order = [assignment_take_next(reviewer=reviewer).claim_id for _ in range(5)]
    # priority first, then score, then the more recent article, then the nearer deadline, then the oldest claim
    assert order == [urgent.pk, due.pk, recent.pk, older.pk, low.pk]
    Assignment.objects.filter(claim=low).update(lease_expires_at=now - timedelta(seconds=1))
    assert assignments_expire() == 1
    assert Claim.objects.get(pk=low.pk).status == Claim.Status.READY_FOR_REVIEW
