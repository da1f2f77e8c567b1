"""A CMS talking HTTP to a live Factdesk: create, revise, poll, receive signed webhooks, download the verified set.

Everything is real: the web server (pytest-django's live_server thread), a Celery
worker process, the broker and database of the run (PostgreSQL + Redis in CI, SQLite +
the embedded broker otherwise), and a webhook receiver listening on a local port.
"""
from __future__ import annotations

import hashlib
import json
import threading
from urllib.parse import urlsplit
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from claims.models import Claim, WebhookEndpoint
from claims.services.webhooks import verify, webhook_secret_new
from config.celery_app import app
from reviewers.services import citation_add, verdict_approve, verdict_save, verdict_submit

from .workers import WorkerProcess, purge_broker, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

BODY = ("Russian Foreign Minister Sergey Lavrov arrived in Pyongyang on Wednesday for two days of talks. "
        "Kim Jong Un travelled to Russia in September, his first foreign trip since the Covid-19 pandemic began. "
        "The visit is seen as a sign of deeper ties.")
REVISED = BODY + " Vladimir Putin met Kim at the Vostochny Cosmodrome on 13 September 2023."


class _Receiver(BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((dict(self.headers), body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


class _Cms:
    """What a CMS integration does: JSON over HTTP with a bearer token."""

    def __init__(self, base: str, token: str):
        self.base, self.token = base.rstrip("/"), token

    def call(self, method: str, path: str, payload: dict | None = None) -> tuple[int, object]:
        data = json.dumps(payload).encode() if payload is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method, headers={
            "Authorization": f"Bearer {self.token}", "Content-Type": "application/json", "Accept": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                raw = response.read()
                kind = response.headers.get("Content-Type", "")
                return response.status, json.loads(raw) if "json" in kind and raw else raw
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")

    def download(self, url: str) -> bytes:
        """A file link the API gave (absolute, on this server): the raw bytes."""
        assert url.startswith(self.base + "/"), url
        request = urllib.request.Request(url, headers={"Authorization": f"Bearer {self.token}"})
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.status == 200
            return response.read()


@pytest.fixture
def receiver():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    _Receiver.received = []
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/factdesk-events", _Receiver.received
    httpd.shutdown()


@pytest.fixture
def live_queue(receiver):
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    purge_broker()
    # The receiver listens on loopback, which deliveries refuse unless the operator lists it.
    worker = WorkerProcess("cms", FACTDESK_WEBHOOK_ALLOW_HOSTS=urlsplit(receiver[0]).netloc).start()
    yield worker
    worker.stop()
    app.conf.task_always_eager = eager
    purge_broker()


def _all_ready(cms: _Cms, article_id: int):
    status, article = cms.call("GET", f"/api/v1/articles/{article_id}/")
    assert status == 200
    open_claims = [c for c in article["claims"] if c["status"] not in ("rejected", "stale")]
    done = article["status"] == "processed" and open_claims and all(c["status"] == "ready_for_review" for c in open_claims)
    return article if done else None


def test_a_cms_creates_revises_polls_hears_webhooks_and_downloads_the_verified_claims(
    live_server, live_queue, receiver, make_user, token_for, reference_documents, rating_scale, editor, reviewer
):
    url, received = receiver
    bot = make_user("cms-live")
    cms = _Cms(live_server.url, token_for(bot, ("ingest", "read", "export")))
    endpoint = WebhookEndpoint.objects.create(client=bot.api_client, url=url, secret=webhook_secret_new())

    status, created = cms.call("POST", "/api/v1/articles/", {
        "external_id": "cms-live-1", "headline": "Lavrov in Pyongyang", "published_at": "2023-10-19T08:00:00Z", "body": BODY})
    assert status == 202, created
    article_id = created["id"]
    first = wait_for(lambda: _all_ready(cms, article_id), timeout=90, message="claims ready")
    kept = {c["text"]: c["id"] for c in first["claims"] if c["status"] == "ready_for_review"}
    assert any("first foreign trip" in text for text in kept)

    status, revised = cms.call("PATCH", f"/api/v1/articles/{article_id}/", {"body": REVISED})
    assert status in (200, 202), revised
    assert revised["revision"] == 2 and revised["body_changed"] is True
    def revision_ready():
        article = _all_ready(cms, article_id)
        return article if article and any("Vostochny" in c["text"] for c in article["claims"]) else None

    second = wait_for(revision_ready, timeout=90, message="the revision's new claim ready")
    now = {c["text"]: c["id"] for c in second["claims"] if c["status"] == "ready_for_review"}
    assert all(now.get(text) == claim_id for text, claim_id in kept.items()), "unchanged claims keep their ids"
    assert any("Vostochny" in text for text in now), "the new sentence became a claim"

    # A reviewer and an editor publish one verdict (through the services the pages use).
    claim = Claim.objects.get(pk=next(i for t, i in now.items() if "first foreign trip" in t))
    candidate = claim.candidates.select_related("document").first()
    verdict = verdict_save(claim=claim, reviewer=reviewer, rating=rating_scale.ratings.get(label="True"),
                           explanation="The trip was reported as his first abroad since the pandemic.")
    citation_add(verdict=verdict, user=reviewer, quoted_passage=candidate.document.body[:60], candidate=candidate)
    verdict_approve(verdict=verdict_submit(verdict=verdict, user=reviewer), editor=editor)

    def events():
        return [json.loads(body)["type"] for _, body in received]

    wait_for(lambda: "verdict.published" in events(), timeout=60, message="the verdict.published webhook")
    assert events().count("article.processed") == 2  # the original and the revision
    assert events().count("claim.ready_for_review") >= len(now)
    for headers, body in received:
        assert verify(endpoint.secret, headers["Factdesk-Signature"], body), "every delivery is signed"
    published = next(json.loads(body) for _, body in received if json.loads(body)["type"] == "verdict.published")
    assert published["data"]["verdict"]["rating"] == "True" and published["data"]["claim"]["id"] == claim.pk

    status, exported = cms.call("GET", "/api/v1/exports/claims.json")
    assert status == 200
    items = exported.get("claims", exported) if isinstance(exported, dict) else exported
    assert [item["id"] for item in items] == [claim.pk]

    # The CMS freezes a verified claim set of this article's published claims and downloads it, twice, byte for byte.
    status, claim_set = cms.call("POST", "/api/v1/claim-sets/", {"name": "Lavrov visit", "filters": {"article_external_ids": ["cms-live-1"]}})
    assert status == 201 and claim_set["status"] == "ready" and claim_set["total"] == 1, claim_set
    ndjson = cms.download(claim_set["downloads"]["ndjson"])
    assert hashlib.sha256(ndjson).hexdigest() == claim_set["content_hash"]
    assert json.loads(ndjson)["id"] == claim.pk and cms.download(claim_set["downloads"]["ndjson"]) == ndjson
    document = json.loads(cms.download(claim_set["downloads"]["jsonld"]))
    assert document["@graph"][0]["reviewRating"]["alternateName"] == "True"
