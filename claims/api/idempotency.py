"""The ``Idempotency-Key`` header for API writes.

A client that is not sure its request arrived (a timeout, a dropped
connection) sends it again with the same key and gets the first answer: the
same status and body, plus ``Idempotent-Replayed: true``. The same key with a
different request is refused with 422. Keys belong to one client (user) and
are forgotten after ``FACTDESK_IDEMPOTENCY_KEY_SECONDS``.
"""
from __future__ import annotations

from collections.abc import Callable

from django.db import IntegrityError, transaction
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.response import Response

from claims.api.errors import error_response
from claims.services.idempotency import (
    IdempotencyKeyError,
    idempotency_key_check,
    idempotency_lookup,
    idempotency_record,
    request_fingerprint,
)

HEADER = "Idempotency-Key"

IDEMPOTENCY_PARAMETER = OpenApiParameter(
    HEADER,
    OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    required=False,
    description="Any unique string (a UUID). A retry with the same key returns the first response; "
    "the same key with a different request gets 422. Remembered for FACTDESK_IDEMPOTENCY_KEY_SECONDS.",
)


def idempotent(request, write: Callable[[], Response]) -> Response:
    """Run ``write`` once per Idempotency-Key; without the header, just run it."""
    raw = request.headers.get(HEADER)
    if raw is None:
        return write()
    try:
        key = idempotency_key_check(raw)
        fingerprint = request_fingerprint(method=request.method, path=request.path, data=request.data)
        stored = idempotency_lookup(user=request.user, key=key, fingerprint=fingerprint)
    except IdempotencyKeyError as exc:
        return error_response(str(exc), field=HEADER, code=exc.code, status_code=exc.status)
    if stored is not None:
        return _replay(stored.status, stored.body)
    try:
        with transaction.atomic():
            response = write()
            if response.status_code < 500:
                idempotency_record(
                    user=request.user,
                    key=key,
                    fingerprint=fingerprint,
                    method=request.method,
                    path=request.path,
                    status=response.status_code,
                    body=response.data,
                )
    except IntegrityError:
        # A concurrent request with the same key committed first: our write was rolled back.
        stored = idempotency_lookup(user=request.user, key=key, fingerprint=fingerprint)
        if stored is None:
            raise
        return _replay(stored.status, stored.body)
    return response


def _replay(status_code: int, body) -> Response:
    response = Response(body, status=status_code)
    response["Idempotent-Replayed"] = "true"
    if isinstance(body, dict) and body.get("url") and status_code in (200, 201, 202):
        response["Location"] = body["url"]
    return response
