"""Idempotency-Key records: a retried write gets the first answer instead of a second write.

The key is stored in the same transaction as the write it guards, so a write
and its key commit together or not at all; of two concurrent requests with
one key, the second hits the unique constraint, rolls back its own write, and
answers with the stored response.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from claims.models import IdempotencyKey

MAX_KEY_LENGTH = 255


class IdempotencyKeyError(Exception):
    """The key cannot be used: malformed, or already used for another request (422)."""

    def __init__(self, message: str, *, code: str, status: int):
        super().__init__(message)
        self.code = code
        self.status = status


@dataclass(frozen=True)
class StoredResponse:
    status: int
    body: dict


def idempotency_key_check(key: str) -> str:
    if not key or len(key) > MAX_KEY_LENGTH or not key.isascii() or not key.isprintable():
        raise IdempotencyKeyError(
            f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} printable ASCII characters (a UUID is a good choice).",
            code="invalid",
            status=400,
        )
    return key


def request_fingerprint(*, method: str, path: str, data) -> str:
    canonical = json.dumps({"method": method, "path": path, "data": data}, sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def idempotency_lookup(*, user, key: str, fingerprint: str) -> StoredResponse | None:
    """The stored answer for ``key``, None if unused or expired; raises if it was used for another request."""
    record = IdempotencyKey.objects.filter(user=user, key=key).first()
    if record is None:
        return None
    if record.expires_at <= timezone.now():
        IdempotencyKey.objects.filter(pk=record.pk, expires_at__lte=timezone.now()).delete()
        return None
    if record.request_hash != fingerprint:
        raise IdempotencyKeyError(
            f"This Idempotency-Key was already used at {record.created_at.isoformat()} for a different request "
            f"({record.method} {record.path} with another body). Use a new key for a new request.",
            code="idempotency_key_reused",
            status=422,
        )
    return StoredResponse(status=record.response_status, body=record.response_body)


def idempotency_record(*, user, key: str, fingerprint: str, method: str, path: str, status: int, body: dict) -> None:
    """Store the answer. Call inside the write's transaction; IntegrityError means a concurrent twin won."""
    IdempotencyKey.objects.create(
        user=user,
        key=key,
        method=method,
        path=path[:500],
        request_hash=fingerprint,
        response_status=status,
        response_body=body,
        expires_at=timezone.now() + timedelta(seconds=settings.FACTDESK_IDEMPOTENCY_KEY_SECONDS),
    )


def idempotency_keys_purge(*, now=None) -> int:
    """Delete expired keys; returns how many."""
    deleted, _ = IdempotencyKey.objects.filter(expires_at__lte=now or timezone.now()).delete()
    return deleted
