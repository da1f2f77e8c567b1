"""Operator-facing behaviour: the demo loader, the health probe, the sweeper."""
from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client, override_settings
from django.utils import timezone

from claims.models import ApiToken, Article, Claim, SourceDocument
from claims.services.sweeping import sweep_stuck_work
from reviewers.models import RatingScale

pytestmark = pytest.mark.django_db


def _load_demo(*args) -> str:
    out = StringIO()
    call_command("load_demo", *args, stdout=out)
    return out.getvalue()


def test_load_demo_twice_duplicates_nothing_and_keeps_one_live_demo_token(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = _load_demo()
    counts = (Article.objects.count(), SourceDocument.objects.count(), RatingScale.objects.count(), Claim.objects.count())
    assert counts[0] == 1 and counts[1] >= 20 and counts[2] == 1 and counts[3] > 0
    assert "queued for extraction" in first

    with django_capture_on_commit_callbacks(execute=True):
        second = _load_demo()
    assert (Article.objects.count(), SourceDocument.objects.count(), RatingScale.objects.count(), Claim.objects.count()) == counts
    assert "already loaded" in second and "(unchanged; use --reset-passwords)" in second

    demo_tokens = ApiToken.objects.filter(label="demo")
    assert demo_tokens.count() == 2 and demo_tokens.filter(revoked_at__isnull=True).count() == 1
    key = second.split("API token (ingest, read, export) for 'editor': ")[1].split()[0]
    response = Client().get("/api/v1/articles/", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 200
    old_key = first.split("API token (ingest, read, export) for 'editor': ")[1].split()[0]
    assert Client().get("/api/v1/articles/", HTTP_AUTHORIZATION=f"Bearer {old_key}").status_code == 401


def test_the_health_probe_answers_head_and_plain_http_even_when_https_is_enforced():
    client = Client()
    assert client.head("/healthz").status_code in (200, 503)
    assert client.post("/healthz").status_code == 405
    with override_settings(SECURE_SSL_REDIRECT=True):
        client = Client()  # SecurityMiddleware reads its settings when the handler loads
        assert client.get("/healthz").status_code in (200, 503)  # answered, not redirected
        assert client.get("/api/v1/articles/").status_code == 301  # everything else is


def test_the_sweeper_sends_one_message_per_stuck_claim_per_period_not_one_per_sweep(editor, settings):
    article = Article.objects.create(headline="h", body="Some body text here.", status=Article.Status.PROCESSED)
    claim = Claim.objects.create(article=article, text="Some body text here.", normalized_text="Some body text here.",
                                 span_start=0, span_end=20, score=0.9)
    long_ago = timezone.now() - timedelta(seconds=settings.FACTDESK_STUCK_AFTER_SECONDS * 3)
    Claim.objects.filter(pk=claim.pk).update(status_changed_at=long_ago)

    # Count real messages in the broker (Redis in CI, the embedded SQLite broker by default).
    from config.celery_app import app

    app.conf.task_always_eager = False
    try:
        with app.connection_for_write() as conn:
            channel = conn.default_channel
            channel.queue_declare(queue="celery", durable=True, auto_delete=False)
            channel.queue_purge("celery")
            now = timezone.now()
            assert sweep_stuck_work(now=now)["claims"] == 1
            assert sweep_stuck_work(now=now + timedelta(seconds=60))["claims"] == 0
            later = now + timedelta(seconds=settings.FACTDESK_STUCK_AFTER_SECONDS + 1)
            assert sweep_stuck_work(now=later)["claims"] == 1
            queued = channel.queue_declare(queue="celery", passive=True).message_count
            channel.queue_purge("celery")
    finally:
        app.conf.task_always_eager = True
    assert queued == 2


def test_the_sweeper_purges_expired_idempotency_keys_and_keeps_live_ones(editor):
    from claims.models import IdempotencyKey

    now = timezone.now()
    common = {"user": editor, "method": "POST", "path": "/api/v1/articles/", "request_hash": "0" * 64,
              "response_status": 202, "response_body": {"id": 1}}
    IdempotencyKey.objects.create(key="expired", expires_at=now - timedelta(seconds=1), **common)
    IdempotencyKey.objects.create(key="live", expires_at=now + timedelta(hours=1), **common)

    counts = sweep_stuck_work(now=now)

    assert counts["idempotency_keys"] == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["live"]
    assert sweep_stuck_work(now=now)["idempotency_keys"] == 0


def _without_debug_or_secret(tmp_path):
    import os

    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "DJANGO_SETTINGS_MODULE"}}
    env["FACTDESK_DATA_DIR"] = str(tmp_path)
    return env


def test_without_secret_key_the_web_server_refuses_to_start_but_migrations_can_be_checked(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    env = _without_debug_or_secret(tmp_path)
    web = subprocess.run([sys.executable, "-c", "import config.wsgi"], cwd=root, env=env, capture_output=True, text=True)
    assert web.returncode != 0 and "SECRET_KEY is not set" in web.stderr
    check = subprocess.run([sys.executable, "manage.py", "makemigrations", "--check", "--dry-run"], cwd=root, env=env,
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    assert "No changes detected" in check.stdout


def test_each_worker_process_gets_its_share_of_the_cores_for_the_encoder_unless_configured(monkeypatch):
    import importlib

    celery_app = importlib.import_module("config.celery_app")  # the module (config.celery_app is also the app)
    monkeypatch.setattr(celery_app.os, "cpu_count", lambda: 8)
    monkeypatch.delenv("FACTDESK_EMBEDDING_THREADS", raising=False)
    celery_app.share_cores_between_pool_processes(options={"concurrency": 4})
    assert celery_app.os.environ["FACTDESK_EMBEDDING_THREADS"] == "2"
    monkeypatch.setenv("FACTDESK_EMBEDDING_THREADS", "3")  # an operator's choice stands
    celery_app.share_cores_between_pool_processes(options={"concurrency": 1})
    assert celery_app.os.environ["FACTDESK_EMBEDDING_THREADS"] == "3"
