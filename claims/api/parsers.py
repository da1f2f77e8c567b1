"""Request parsing with the size limit answered in the API's error format.

Django raises ``RequestDataTooBig`` deep in request reading, which becomes a
plain-text 400. Checking the declared length first (and catching the error for
chunked bodies) turns an oversized request into a 413 the client can act on.
"""
from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from rest_framework import exceptions, status
from rest_framework.parsers import JSONParser


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"
    default_detail = "The request body is too large."


def _too_large(size: int | None) -> RequestTooLarge:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    said = f"{size} bytes" if size is not None else "larger than the limit"
    return RequestTooLarge(
        f"The request body is {said}; the limit is {limit} bytes (twice FACTDESK_MAX_ARTICLE_BYTES plus 64 KiB)."
    )


class SizeLimitedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        request = (parser_context or {}).get("request")
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if request is not None and limit is not None:
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if length > limit:
                raise _too_large(length)
            # A body without a declared length (chunked) is read up to the limit only.
            data = stream.read(limit + 1) if stream is not None else b""
            if len(data) > limit:
                raise _too_large(None)
            import io

            stream = io.BytesIO(data)
        try:
            return super().parse(stream, media_type, parser_context)
        except RequestDataTooBig:
            raise _too_large(None) from None
