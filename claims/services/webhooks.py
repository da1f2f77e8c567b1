"""Signed webhooks: events become deliveries in the event's own transaction, then Celery sends them.

Signature (documented in docs/api.md): the header
``Factdesk-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" with the endpoint's secret>``.
Also sent: ``Factdesk-Event`` (the event type) and ``Factdesk-Delivery`` (a UUID the
receiver can deduplicate on: a retried or replayed delivery keeps it).

A delivery is retried with exponential backoff (``FACTDESK_WEBHOOK_BACKOFF_SECONDS``
x 2^(attempt-1), capped at one hour) up to ``FACTDESK_WEBHOOK_MAX_ATTEMPTS``, then marked
failed; the admin can replay it. The sweeper re-enqueues pending deliveries whose time
has come, so a worker restart loses none.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import time
from datetime import timedelta

import urllib3
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from claims.models import Article, WebhookDelivery, WebhookEndpoint

logger = logging.getLogger(__name__)
SIGNATURE_HEADER = "Factdesk-Signature"


def webhook_secret_new() -> str:
    return "whsec_" + secrets.token_urlsafe(24)


# Receivers commonly listen on ports other than 80/443; the address checks are what keeps
# a webhook from reaching inside our own network.
ANY_PORT = frozenset(range(1, 65536))


def webhook_url_check(url: str, *, resolve=None) -> None:
    """Refuse an endpoint URL that is not http(s) or that reaches an internal address.

    The same checks as evidence capture (claims/fetching.py: loopback, private,
    link-local, metadata and other non-public addresses, internal names), on any
    port. Hosts listed as ``host:port`` in ``FACTDESK_WEBHOOK_ALLOW_HOSTS`` are
    allowed on internal addresses: a CMS on the newsroom's own network, or a
    local receiver in tests. Raises ``FetchError`` (its ``code`` and message say why).
    """
    from claims import fetching

    fetching.check_url(url, policy=_policy(), resolve=resolve or fetching.system_resolver)


def _policy():
    from claims.fetching import FetchPolicy

    return FetchPolicy(ports=ANY_PORT, allow_hosts=frozenset(settings.FACTDESK_WEBHOOK_ALLOW_HOSTS))


def sign(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode("ascii") + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(secret: str, header: str, body: bytes, *, tolerance: int = 300, now: float | None = None) -> bool:
    """What a receiver does (the snippet in docs/api.md is this function)."""
    try:
        fields = dict(part.split("=", 1) for part in header.split(","))
        timestamp = int(fields["t"])
    except (ValueError, KeyError):
        return False
    if abs((now or time.time()) - timestamp) > tolerance:
        return False
    expected = sign(secret, timestamp, body).split("v1=", 1)[1]
    return hmac.compare_digest(expected, fields.get("v1", ""))


def webhook_event_emit(*, event: str, article: Article, data: dict, dedupe_key: str) -> list[int]:
    """Queue ``event`` for every endpoint of the article's client that wants it.

    Call it inside the transaction that makes the event true: the deliveries commit or
    roll back with it, and are sent only after commit. Emitting the same ``dedupe_key``
    twice queues nothing new.
    """
    if article.client_id is None:
        return []
    endpoints = [e for e in WebhookEndpoint.objects.filter(client_id=article.client_id, is_active=True) if e.wants(event)]
    created: list[int] = []
    for endpoint in endpoints:
        delivery, made = WebhookDelivery.objects.get_or_create(
            endpoint=endpoint,
            dedupe_key=dedupe_key,
            defaults={"event": event, "payload": {"type": event, "created_at": timezone.now().isoformat(), "data": data}},
        )
        if made:
            created.append(delivery.pk)
    if created:
        transaction.on_commit(lambda: _enqueue(created))
    return created


def webhook_delivery_attempt(*, delivery_id: int, now=None) -> str:
    """Send one pending delivery once; record the outcome and when to try again. Returns the status."""
    now = now or timezone.now()
    lease = now + timedelta(seconds=settings.FACTDESK_WEBHOOK_TIMEOUT * 2 + 5)
    # Take the delivery: only one worker sends it at a time, and never before its time.
    taken = WebhookDelivery.objects.filter(
        Q(locked_until__isnull=True) | Q(locked_until__lt=now),
        pk=delivery_id, status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now,
    ).update(locked_until=lease)
    delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)
    if not taken:
        return delivery.status
    body = json.dumps({"id": str(delivery.event_id), **delivery.payload}, sort_keys=True, separators=(",", ":")).encode("utf-8")
    code, error = _post(delivery, body)
    attempts = delivery.attempts + 1
    changes = {"attempts": attempts, "response_code": code, "locked_until": None, "last_error": error[:2000]}
    if code is not None and 200 <= code < 300:
        changes.update(status=WebhookDelivery.Status.DELIVERED, delivered_at=timezone.now(), last_error="")
    elif attempts >= settings.FACTDESK_WEBHOOK_MAX_ATTEMPTS:
        changes.update(status=WebhookDelivery.Status.FAILED)
    else:
        changes.update(next_attempt_at=timezone.now() + backoff(attempts))
    WebhookDelivery.objects.filter(pk=delivery_id).update(**changes)
    if changes.get("status") != WebhookDelivery.Status.DELIVERED:
        logger.warning("webhook %s to %s: attempt %d failed: %s", delivery.event, delivery.endpoint.url, attempts, error)
    return changes.get("status", WebhookDelivery.Status.PENDING)


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(3600, settings.FACTDESK_WEBHOOK_BACKOFF_SECONDS * 2 ** (attempts - 1)))


def webhook_delivery_replay(*, delivery: WebhookDelivery) -> None:
    """Send a delivery again (after a receiver's outage, or a failed one): same body, same delivery id."""
    with transaction.atomic():
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            status=WebhookDelivery.Status.PENDING, next_attempt_at=timezone.now(), locked_until=None,
            attempts=0 if delivery.status == WebhookDelivery.Status.FAILED else delivery.attempts,
        )
        transaction.on_commit(lambda: _enqueue([delivery.pk]))


def webhook_deliveries_due(*, now=None) -> list[int]:
    """Pending deliveries whose time has come and that no worker holds: for the sweeper."""
    now = now or timezone.now()
    return list(
        WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now)
        .filter(Q(locked_until__isnull=True) | Q(locked_until__lt=now))
        .values_list("id", flat=True)[:1000]
    )


def _post(delivery: WebhookDelivery, body: bytes) -> tuple[int | None, str]:
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Factdesk-Webhooks/1",
        SIGNATURE_HEADER: sign(delivery.endpoint.secret, timestamp, body),
        "Factdesk-Event": delivery.event,
        "Factdesk-Delivery": str(delivery.event_id),
    }
    timeout = urllib3.Timeout(connect=5, read=settings.FACTDESK_WEBHOOK_TIMEOUT)
    from claims import fetching

    # Vetted again at every attempt, and the connection goes to the vetted address: a name whose DNS
    # answer has changed to an internal address since registration is refused, not followed.
    url = delivery.endpoint.url
    try:
        scheme, host, port, address = fetching.vet_url(url, _policy(), fetching.system_resolver)
    except fetching.FetchError as exc:
        return None, f"refused ({exc.code}): {exc}"
    headers["Host"] = fetching.host_header(host, port)
    pool = fetching.pinned_pool(scheme, host, port, address, timeout)
    try:
        response = pool.urlopen("POST", fetching.request_target(url), body=body, headers=headers,
                                redirect=False, retries=False, assert_same_host=False)
    except urllib3.exceptions.HTTPError as exc:
        return None, f"{type(exc).__name__}: {exc}"
    finally:
        pool.close()
    if 200 <= response.status < 300:
        return response.status, ""
    return response.status, f"HTTP {response.status}: {response.data[:300].decode('utf-8', 'replace')}"


def _enqueue(delivery_ids: list[int]) -> None:
    from claims.tasks import deliver_webhook

    for delivery_id in delivery_ids:
        deliver_webhook.delay(delivery_id)
