"""One error format for the whole API.

    {"errors": [{"field": "body", "code": "blank", "message": "The article body is empty."}]}

``field`` is "non_field_errors" when the problem is not one field's.
"""
from __future__ import annotations

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from claims.services.articles import ArticleError
from claims.services.lifecycle import ClaimTransitionError


def _flatten(detail, field="non_field_errors"):
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = key if field == "non_field_errors" else f"{field}.{key}"
            yield from _flatten(value, name)
    elif isinstance(detail, list):
        for item in detail:
            yield from _flatten(item, field)
    else:
        yield {"field": field, "code": getattr(detail, "code", "invalid"), "message": str(detail)}


class FieldError(exceptions.APIException):
    """A 4xx about one field, in the error format: ``raise FieldError("...", field="cursor", code="invalid_cursor")``."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "invalid"

    def __init__(self, message: str, *, field: str = "non_field_errors", code: str = "invalid", status_code: int = 400):
        super().__init__(message, code)
        self.field = field
        self.status_code = status_code


def error_response(message: str, *, field="non_field_errors", code="invalid", status_code=400) -> Response:
    return Response({"errors": [{"field": field, "code": code, "message": message}]}, status=status_code)


def exception_handler(exc, context):
    if isinstance(exc, ArticleError):
        return error_response(str(exc), field=exc.field, code=exc.code, status_code=exc.status)
    if isinstance(exc, ClaimTransitionError):
        return error_response(str(exc), field="status", code="invalid_transition", status_code=status.HTTP_409_CONFLICT)
    from reviewers.services import ReviewError

    if isinstance(exc, ReviewError):
        status_code = {"conflict": 409, "permission_denied": 403}.get(exc.code, 400)
        return error_response(str(exc), field=exc.field, code=exc.code, status_code=status_code)
    if isinstance(exc, FieldError):
        return error_response(str(exc.detail), field=exc.field, code=exc.detail.code, status_code=exc.status_code)
    # Django's own 404/403 become DRF's, so they get DRF's codes ("not_found", "permission_denied").
    if isinstance(exc, RequestDataTooBig):
        from claims.api.parsers import request_too_large

        exc = request_too_large(context["request"])
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = {"errors": list(_flatten(exc.detail))}
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        if isinstance(detail, (list, dict)):
            response.data = {"errors": list(_flatten(detail))}
            return response
        code = getattr(detail, "code", None) or getattr(exc, "default_code", "error")
        response.data = {"errors": [{"field": "non_field_errors", "code": code, "message": str(detail)}]}
    return response


@csrf_exempt  # it writes nothing; without this a POST to a wrong path gets the CSRF failure page
def not_found_view(request, *args, **kwargs):
    """Unknown paths under the API answer in the error format (Django's own 404 is an HTML page)."""
    from django.http import JsonResponse

    return JsonResponse(
        {"errors": [{"field": "non_field_errors", "code": "not_found", "message": f"No API endpoint at {request.path}."}]},
        status=404,
    )
