"""OpenAPI description of our token authentication (loaded by ClaimsConfig.ready)."""
from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "claims.api.authentication.ApiTokenAuthentication"
    name = "bearerToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API token from `manage.py issue_token`; scopes: ingest, read, review, export, admin.",
        }


# --- the error format, for every documented 4xx -----------------------------------------------------
from drf_spectacular.utils import OpenApiResponse, inline_serializer  # noqa: E402
from rest_framework import serializers  # noqa: E402

ErrorSerializer = inline_serializer(
    name="Errors",
    fields={
        "errors": serializers.ListField(
            child=inline_serializer(
                name="Error",
                fields={
                    "field": serializers.CharField(help_text='The input field at fault, or "non_field_errors".'),
                    "code": serializers.CharField(help_text="Machine-readable, e.g. required, invalid, not_found, conflict."),
                    "message": serializers.CharField(help_text="What went wrong and what to do, for a person."),
                },
            )
        )
    },
)

ERROR_DESCRIPTIONS = {
    400: "Bad input: field errors, malformed JSON, a bad date or cursor.",
    401: "No token, or the token is unknown, revoked or expired.",
    403: "The token lacks the scope this needs.",
    404: "No such object.",
    405: "Method not allowed.",
    409: "Conflict: the object changed meanwhile, or the move is not allowed from its current state.",
    413: "The request body is too large.",
    415: "The body is not JSON (send Content-Type: application/json).",
    422: "The Idempotency-Key was already used for a different request.",
    429: "Too many requests for this token: wait for the seconds in Retry-After.",
}


def errors(*codes: int) -> dict:
    """``responses={...}`` entries for the given error statuses, all in the one error format."""
    return {code: OpenApiResponse(ErrorSerializer, description=ERROR_DESCRIPTIONS[code]) for code in codes}
