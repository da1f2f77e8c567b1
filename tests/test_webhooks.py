"""Signed webhooks to a real local receiver: events, signatures, retries with backoff, replay, transactions."""
from __future__ import annotations

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone

from claims.models import Article, Claim, WebhookDelivery, WebhookEndpoint
from claims.services.sweeping import sweep_stuck_work
from claims.services.webhooks import (
    backoff, sign, verify, webhook_delivery_attempt, webhook_event_emit, webhook_secret_new,
)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


class _Receiver(BaseHTTPRequestHandler):
    received: list = []
    answers: list = []  # status codes to answer, in order; then 200

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append({"headers": dict(self.headers), "body": body})
        status = self.answers.pop(0) if self.answers else 200
        self.send_response(status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver(settings):
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    _Receiver.received, _Receiver.answers = [], []
    # Loopback: deliveries refuse it unless the operator lists it (as a newsroom lists its own CMS).
    settings.FACTDESK_WEBHOOK_ALLOW_HOSTS = [f"127.0.0.1:{httpd.server_address[1]}"]
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/hooks/factdesk", _Receiver
    httpd.shutdown()


@pytest.fixture
def endpoint(cms, receiver):
    url, _ = receiver
    return WebhookEndpoint.objects.create(client=cms.user.api_client, url=url, secret=webhook_secret_new(), events=[])


def _post_article(cms, article_payload):
    response = cms.post("/api/v1/articles/", json.dumps(article_payload), content_type="application/json")
    assert response.status_code == 202
    return Article.objects.get(pk=response.json()["id"])


def test_the_cms_receives_signed_events_for_its_article_and_can_verify_them(cms, endpoint, receiver, article_payload, reference_documents):
    _, handler = receiver
    article = _post_article(cms, article_payload)  # eager Celery: extraction, gathering and delivery run now
    events = [r["headers"]["Factdesk-Event"] for r in handler.received]
    assert events[0] == "article.processed"
    ready = Claim.objects.filter(article=article, status=Claim.Status.READY_FOR_REVIEW).count()
    assert ready > 0 and events.count("claim.ready_for_review") == ready

    for request in handler.received:
        headers, body = request["headers"], request["body"]
        assert verify(endpoint.secret, headers["Factdesk-Signature"], body)
        assert not verify("whsec_wrong", headers["Factdesk-Signature"], body)
        assert not verify(endpoint.secret, headers["Factdesk-Signature"], body + b" ")
        payload = json.loads(body)
        assert payload["id"] == headers["Factdesk-Delivery"] and payload["type"] == headers["Factdesk-Event"]
    first = json.loads(handler.received[0]["body"])
    assert first["data"]["article"] == {"id": article.pk, "external_id": "cms-42", "status": "processed",
                                        "api_path": f"/api/v1/articles/{article.pk}/"}
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"delivered"}


def test_another_clients_endpoint_and_unsubscribed_events_get_nothing(cms, make_user, token_for, receiver, article_payload):
    url, handler = receiver
    other = make_user("other-cms")
    token_for(other, ("ingest",))  # gives the user an API client
    WebhookEndpoint.objects.create(client=other.api_client, url=url, secret="s", events=[])
    WebhookEndpoint.objects.create(client=cms.user.api_client, url=url, secret="s", events=["verdict.published"])
    _post_article(cms, article_payload)
    assert handler.received == [] and not WebhookDelivery.objects.exists()


def test_a_failing_receiver_is_retried_with_backoff_then_given_up_and_replay_sends_it_again(cms, endpoint, receiver, settings, editor):
    _, handler = receiver
    article = Article.objects.create(headline="h", body="Some body.", client=cms.user.api_client)
    handler.answers = [500, 503, 500]
    settings.FACTDESK_WEBHOOK_MAX_ATTEMPTS = 3
    with transaction.atomic():
        (delivery_id,) = webhook_event_emit(event="article.processed", article=article, data={"n": 1}, dedupe_key="k1")
    # Eager mode sends the first attempt after commit; later attempts wait for their time.
    delivery = WebhookDelivery.objects.get(pk=delivery_id)
    assert (delivery.status, delivery.attempts, delivery.response_code) == ("pending", 1, 500)
    assert delivery.next_attempt_at > timezone.now() + backoff(1) - timedelta(seconds=5)
    assert webhook_delivery_attempt(delivery_id=delivery_id) == "pending"  # not due yet: nothing sent
    assert len(handler.received) == 1

    later = timezone.now() + timedelta(hours=2)
    assert webhook_delivery_attempt(delivery_id=delivery_id, now=later) == "pending"
    assert WebhookDelivery.objects.get(pk=delivery_id).next_attempt_at > timezone.now() + backoff(2) - timedelta(seconds=5)
    assert backoff(2) == 2 * backoff(1)
    assert webhook_delivery_attempt(delivery_id=delivery_id, now=later + timedelta(hours=2)) == "failed"
    assert len(handler.received) == 3
    assert "HTTP 500" in WebhookDelivery.objects.get(pk=delivery_id).last_error

    admin = Client()
    editor.is_superuser = True
    editor.save()
    admin.force_login(editor)
    response = admin.post("/admin/claims/webhookdelivery/", {"action": "replay", "_selected_action": [delivery_id]})
    assert response.status_code == 302
    delivery = WebhookDelivery.objects.get(pk=delivery_id)
    assert delivery.status == "delivered" and len(handler.received) == 4
    ids = {json.loads(r["body"])["id"] for r in handler.received}
    assert ids == {str(delivery.event_id)}  # the same delivery id every time: receivers can deduplicate


def test_deliveries_roll_back_with_their_event_and_are_never_queued_twice(cms, endpoint, receiver):
    _, handler = receiver
    article = Article.objects.create(headline="h", body="Some body.", client=cms.user.api_client)
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            webhook_event_emit(event="article.processed", article=article, data={}, dedupe_key="once")
            raise RuntimeError("the event's own write failed")
    assert not WebhookDelivery.objects.exists() and handler.received == []
    with transaction.atomic():
        webhook_event_emit(event="article.processed", article=article, data={}, dedupe_key="once")
    with transaction.atomic():
        assert webhook_event_emit(event="article.processed", article=article, data={}, dedupe_key="once") == []
    assert WebhookDelivery.objects.count() == 1 and len(handler.received) == 1


def test_the_sweeper_sends_deliveries_whose_retry_message_was_lost(cms, endpoint, receiver, settings):
    _, handler = receiver
    article = Article.objects.create(headline="h", body="Some body.", client=cms.user.api_client)
    long_ago = timezone.now() - timedelta(seconds=settings.FACTDESK_STUCK_AFTER_SECONDS * 2)
    delivery = WebhookDelivery.objects.create(endpoint=endpoint, event="article.processed", dedupe_key="lost",
                                              payload={"type": "article.processed", "data": {}}, next_attempt_at=long_ago)
    assert sweep_stuck_work()["webhooks"] == 1
    delivery.refresh_from_db()
    assert delivery.status == "delivered" and len(handler.received) == 1


def test_the_documented_signature_scheme():
    body = b'{"id":"1","type":"article.processed"}'
    header = sign("whsec_test", 1700000000, body)
    import hashlib
    import hmac

    expected = hmac.new(b"whsec_test", b"1700000000." + body, hashlib.sha256).hexdigest()
    assert header == f"t=1700000000,v1={expected}"
    assert verify("whsec_test", header, body, now=1700000100)
    assert not verify("whsec_test", header, body, now=1700000000 + 301)  # replayed too late
    assert not verify("whsec_test", "garbage", body)


def test_a_delivery_to_a_name_that_now_resolves_inside_is_refused_and_retried_later(cms, receiver, settings, monkeypatch):
    """DNS can change after registration (or be made to): every attempt vets the address again and connects to
    the vetted address only."""
    from claims import fetching
    from claims.services.webhooks import webhook_delivery_attempt

    url, handler = receiver
    port = url.split(":")[2].split("/")[0]
    endpoint = WebhookEndpoint.objects.create(client=cms.user.api_client, url=f"http://hooks.cms.example.org:{port}/in",
                                              secret=webhook_secret_new(), events=[])
    monkeypatch.setattr(fetching, "system_resolver", lambda host, port: ["127.0.0.1"])  # a rebinding answer
    delivery = WebhookDelivery.objects.create(endpoint=endpoint, event="article.processed", payload={"x": 1})
    assert webhook_delivery_attempt(delivery_id=delivery.pk) == WebhookDelivery.Status.PENDING
    delivery.refresh_from_db()
    assert delivery.attempts == 1 and delivery.response_code is None
    assert delivery.last_error.startswith("refused (blocked_address)") and "127.0.0.1" in delivery.last_error
    assert handler.received == []  # nothing reached the internal address

    # Listed by the operator: the same name is delivered, to the address that was vetted, with its own Host.
    settings.FACTDESK_WEBHOOK_ALLOW_HOSTS = [f"hooks.cms.example.org:{port}"]
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    assert webhook_delivery_attempt(delivery_id=delivery.pk) == WebhookDelivery.Status.DELIVERED
    assert len(handler.received) == 1 and handler.received[0]["headers"]["Host"] == f"hooks.cms.example.org:{port}"
