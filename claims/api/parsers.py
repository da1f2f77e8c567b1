"""Oversized request bodies, answered in the API's error format.

Django raises ``RequestDataTooBig`` when DRF reads a body larger than
``DATA_UPLOAD_MAX_MEMORY_SIZE``; left alone that is a plain-text 400. The
exception handler (claims.api.errors) turns it into this 413.
"""
from __future__ import annotations

from django.conf import settings
from rest_framework import exceptions, status


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"
    default_detail = "The request body is too large."


def request_too_large(request) -> RequestTooLarge:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    try:
        size = int(request.META.get("CONTENT_LENGTH") or 0)
    except (TypeError, ValueError):
        size = 0
    said = f"{size} bytes" if size else "larger than the limit"
    return RequestTooLarge(
        f"The request body is {said}; the limit is {limit} bytes (DATA_UPLOAD_MAX_MEMORY_SIZE: "
        f"twice FACTDESK_MAX_ARTICLE_BYTES plus 64 KiB)."
    )
