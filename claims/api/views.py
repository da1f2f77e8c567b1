"""API v1 views that are not articles, claims or verdicts: thin, they validate input and call selectors.

Articles live in claims/api/articles.py, claims in claims/api/claim_views.py,
verdicts in claims/api/verdicts.py.
"""
from __future__ import annotations

from django.http import StreamingHttpResponse
from django.utils.dateparse import parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.views import APIView

from claims import exports, selectors
from claims.api.errors import error_response
from claims.api.filters import to_utc
from claims.api.permissions import HasScope
from claims.api.schema import errors


class ExportView(APIView):
    """Published claims with verdicts and citations, streamed."""

    permission_classes = [HasScope.of("export")]
    formats_by_extension = {"json": "json", "ndjson": "ndjson", "csv": "csv", "jsonld": "claimreview"}

    @extend_schema(
        parameters=[
            OpenApiParameter("extension", OpenApiTypes.STR, OpenApiParameter.PATH, enum=["json", "ndjson", "csv", "jsonld"]),
            OpenApiParameter("since", OpenApiTypes.DATETIME, description="Only verdicts approved since then"),
        ],
        responses={
            (200, "application/json"): OpenApiResponse(OpenApiTypes.ANY, description="JSON array of claims"),
            (200, "application/x-ndjson"): OpenApiResponse(OpenApiTypes.STR, description="One claim record per line"),
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="One row per claim"),
            (200, "application/ld+json"): OpenApiResponse(OpenApiTypes.OBJECT, description="ClaimReview JSON-LD"),
            **errors(400, 401, 403, 404, 429),
        },
        summary="Export published claims (json, csv or ClaimReview jsonld)",
    )
    def get(self, request, extension: str):
        fmt = self.formats_by_extension[extension]
        since = request.query_params.get("since")
        since_value = None
        if since:
            try:
                since_value = parse_datetime(since)
            except ValueError:  # well-formed but impossible, e.g. 2023-02-30
                since_value = None
            if since_value is None:
                return error_response("Use an ISO 8601 date-time, e.g. 2023-10-19T00:00:00Z.", field="since", code="invalid")
            since_value = to_utc(since_value)
        response = StreamingHttpResponse(
            exports.stream(fmt, selectors.published_claims(since=since_value)), content_type=exports.FORMATS[fmt]
        )
        response["Content-Disposition"] = f'attachment; filename="claims.{extension}"'
        return response
