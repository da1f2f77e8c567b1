"""Standing fixtures: users who edit, review, or may see nothing; API tokens; a rating scale.

Integration fixtures start real Celery worker processes against the same
database and broker as the test (see ``worker`` below).
"""
from __future__ import annotations

import os

import pytest
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from claims.models import SourceDocument
from claims.services.tokens import token_issue
from reviewers.models import Rating, RatingScale

from .workers import WorkerProcess, worker_environment  # noqa: F401  (re-exported for tests)


def pytest_configure(config):
    if os.environ.get("CI") and not os.environ.get("DATABASE_URL"):
        # In CI the services must be there: a missing one fails the run instead of silently testing less.
        if not config.getoption("-m"):
            pytest.exit("CI is set but DATABASE_URL is not: .ci/run must provide PostgreSQL and Redis", returncode=3)


def ensure_groups() -> None:
    """Transactional tests flush the database, which drops the groups the data migration made: put them back."""
    if Group.objects.filter(name__in=["Editors", "Reviewers"]).count() == 2:
        return
    from importlib import import_module

    from django.contrib.auth.models import Permission

    groups = import_module("reviewers.migrations.0002_groups")

    def perms(pairs):
        return [Permission.objects.get(content_type__app_label=app, codename=code) for app, code in pairs]

    Group.objects.get_or_create(name="Reviewers")[0].permissions.set(perms(groups.REVIEWER_PERMS))
    Group.objects.get_or_create(name="Editors")[0].permissions.set(perms(groups.REVIEWER_PERMS + groups.EDITOR_EXTRA))
    # Later data migrations that add permissions share their helper, so the groups match a migrated database.
    import_module("reviewers.migrations.0004_editors_view_providerrun").apply(Group, Permission)


@pytest.fixture
def make_user(django_user_model):
    def make(username: str, group: str | None = None, **extra):
        user = django_user_model.objects.create_user(username=username, password="pw-" + username, is_staff=group is not None, **extra)
        if group:
            ensure_groups()
            user.groups.add(Group.objects.get(name=group))
        return user

    return make


@pytest.fixture
def editor(make_user):
    return make_user("editor", "Editors")


@pytest.fixture
def editor2(make_user):
    return make_user("editor2", "Editors")


@pytest.fixture
def reviewer(make_user):
    return make_user("reviewer", "Reviewers")


@pytest.fixture
def reviewer2(make_user):
    return make_user("reviewer2", "Reviewers")


@pytest.fixture
def outsider(make_user):
    return make_user("outsider")


@pytest.fixture
def token_for():
    def issue(user, scopes=("ingest", "read")):
        return token_issue(user=user, scopes=list(scopes))[1]

    return issue


@pytest.fixture
def cms(make_user, token_for):
    """An API client for a CMS with ingest + read scopes."""
    user = make_user("cms-bot")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_for(user, ('ingest', 'read', 'export'))}")
    client.user = user
    return client


@pytest.fixture
def rating_scale(db):
    scale = RatingScale.objects.create(name="Test scale", best_rating=5, worst_rating=1, is_default=True)
    for value, label in [(1, "False"), (2, "Mostly false"), (3, "Half true"), (4, "Mostly true"), (5, "True")]:
        Rating.objects.create(scale=scale, value=value, label=label)
    return scale


@pytest.fixture
def reference_documents(db):
    """A small reference corpus written for these tests."""
    docs = [
        ("Putin and Kim meet at Vostochny", "Vladimir Putin hosted Kim Jong Un at the Vostochny Cosmodrome in the Amur region on 13 September 2023. The two leaders toured the launch site before talks."),
        ("Kim travels abroad again", "The September 2023 journey to Russia was Kim Jong Un's first trip abroad since the Covid-19 pandemic began, travelling by armoured train."),
        ("Lavrov lands in Pyongyang", "Sergey Lavrov, Russia's foreign minister, arrived in Pyongyang on 18 October 2023 for talks with Choe Son Hui."),
        ("City budget approved", "The city council approved next year's budget after a long debate about bus lanes and library hours."),
    ]
    return [SourceDocument.objects.create(kind=SourceDocument.Kind.REFERENCE, title=t, body=b, url=f"https://ref.example.org/{i}") for i, (t, b) in enumerate(docs)]


@pytest.fixture
def factcheck_document(db):
    return SourceDocument.objects.create(
        kind=SourceDocument.Kind.FACTCHECK,
        title="Kim's trip to Russia was his first foreign trip since the pandemic",
        body="Kim's trip to Russia in September 2023 was his first foreign trip since the Covid-19 pandemic.\n\nRating: True.",
        rating_label="True",
        url="https://factcheck.example.org/kim-first-trip",
    )


ARTICLE_BODY = (
    "Russian Foreign Minister Sergey Lavrov arrived in Pyongyang on Wednesday for two days of talks. "
    "Kim Jong Un travelled to Russia in September, his first foreign trip since the Covid-19 pandemic began. "
    "Vladimir Putin met Kim at the Vostochny Cosmodrome on 13 September 2023. "
    "The visit is seen as a sign of deeper ties and is expected to bring more meetings."
)


@pytest.fixture
def article_payload():
    return {
        "external_id": "cms-42",
        "headline": "Lavrov visits Pyongyang",
        "byline": "Desk reporter",
        "url": "https://news.example.org/lavrov",
        "published_at": "2023-10-19T08:00:00Z",
        "body": ARTICLE_BODY,
    }


@pytest.fixture(autouse=True)
def _retrieval_index_per_test(settings, tmp_path):
    """Each test gets its own retrieval index files and checks the database on every search:
    test databases roll back, so ids are reused and a cached index would be stale."""
    from claims.retrieval.store import reset_process_cache

    settings.DATA_DIR = tmp_path
    settings.FACTDESK_INDEX_REFRESH_SECONDS = 0
    reset_process_cache()
    yield
    reset_process_cache()
