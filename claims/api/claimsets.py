"""/api/v1/claim-sets/: verified claim sets (`export` scope). Thin: claims/services/claimsets.py does the work.

A set holds published (public) claims, so every client with the export scope
sees every set. Creating a small set answers 201 with the set ready; a large one
answers 202 with ``status`` and ``progress`` to poll until ``ready``. Downloads
stream the frozen text (constant memory at any size) and are byte-identical
every time; ``ETag`` is the set's content hash.
"""
from __future__ import annotations

from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from claims import exports
from claims.api.errors import FieldError
from claims.api.pagination import PagePagination
from claims.api.permissions import HasScope
from claims.api.schema import errors
from claims.api.serializers import StrictFieldsMixin
from claims.models import ClaimSet
from claims.services.claimsets import FILTERS, ClaimSetError, claimset_create, claimset_items

EXTENSIONS = {"json": "json", "ndjson": "ndjson", "csv": "csv", "jsonld": "claimreview"}


class ClaimSetInSerializer(StrictFieldsMixin, serializers.Serializer):
    name = serializers.CharField(max_length=200)
    filters = serializers.JSONField(
        required=False, default=dict, help_text="Any of: " + "; ".join(f"{k}: {v}" for k, v in FILTERS.items())
    )


class ClaimSetSerializer(serializers.ModelSerializer):
    creator = serializers.CharField(source="creator.get_username", read_only=True)
    downloads = serializers.SerializerMethodField()

    class Meta:
        model = ClaimSet
        fields = ["id", "name", "filters", "creator", "status", "total", "progress", "error", "content_hash",
                  "created_at", "frozen_at", "downloads"]

    def get_downloads(self, claim_set) -> dict:
        if claim_set.status != ClaimSet.Status.READY:
            return {}
        request = self.context.get("request")
        return {
            ext: reverse("api:claim-set-download", kwargs={"pk": claim_set.pk, "extension": ext}, request=request)
            for ext in EXTENSIONS
        }


def claim_set_or_404(pk) -> ClaimSet:
    claim_set = ClaimSet.objects.select_related("creator").filter(pk=pk).first() if str(pk).isdigit() else None
    if claim_set is None:
        raise FieldError("No claim set has this id.", field="id", code="not_found", status_code=404)
    return claim_set


class ClaimSetListView(APIView):
    permission_classes = [HasScope.of("export")]

    @extend_schema(
        operation_id="v1_claim_sets_list",
        summary="List claim sets, newest first",
        responses={
            # Paginated by page number here (an APIView, so spectacular cannot see the paginator).
            200: inline_serializer(
                name="PaginatedClaimSetList",
                fields={
                    "count": serializers.IntegerField(),
                    "next": serializers.CharField(allow_null=True),
                    "previous": serializers.CharField(allow_null=True),
                    "results": ClaimSetSerializer(many=True),
                },
            ),
            **errors(400, 401, 403, 404, 429),
        },
    )
    def get(self, request):
        paginator = PagePagination()
        page = paginator.paginate_queryset(ClaimSet.objects.select_related("creator"), request, view=self)
        return paginator.get_paginated_response(ClaimSetSerializer(page, many=True, context={"request": request}).data)

    @extend_schema(
        summary="Create a claim set from filters (201 ready, or 202 building: poll it)",
        request=ClaimSetInSerializer,
        responses={201: ClaimSetSerializer, 202: ClaimSetSerializer, **errors(400, 401, 403, 429)},
    )
    def post(self, request):
        data = ClaimSetInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            claim_set = claimset_create(creator=request.user, **data.validated_data)
        except ClaimSetError as exc:
            raise FieldError(exc.message, field=exc.field or "non_field_errors", code=exc.code)
        ready = claim_set.status == ClaimSet.Status.READY
        body = ClaimSetSerializer(claim_set, context={"request": request}).data
        return Response(body, status=status.HTTP_201_CREATED if ready else status.HTTP_202_ACCEPTED)


class ClaimSetDetailView(APIView):
    permission_classes = [HasScope.of("export")]

    @extend_schema(operation_id="v1_claim_sets_retrieve", summary="A claim set: status, progress and download links", responses={200: ClaimSetSerializer, **errors(401, 403, 404, 429)})
    def get(self, request, pk):
        return Response(ClaimSetSerializer(claim_set_or_404(pk), context={"request": request}).data)


class ClaimSetDownloadView(APIView):
    permission_classes = [HasScope.of("export")]

    @extend_schema(
        operation_id="v1_claim_sets_download",
        parameters=[OpenApiParameter("extension", OpenApiTypes.STR, OpenApiParameter.PATH, enum=list(EXTENSIONS))],
        responses={
            (200, "application/json"): OpenApiResponse(OpenApiTypes.OBJECT, description="{claim_set, claims}"),
            (200, "application/x-ndjson"): OpenApiResponse(OpenApiTypes.STR, description="One claim record per line"),
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="One row per claim"),
            (200, "application/ld+json"): OpenApiResponse(OpenApiTypes.OBJECT, description="ClaimReview @graph"),
            **errors(401, 403, 404, 409, 429),
        },
        summary="Download a ready claim set (identical bytes every time)",
    )
    def get(self, request, pk, extension: str):
        claim_set = claim_set_or_404(pk)
        if claim_set.status != ClaimSet.Status.READY:
            raise FieldError(
                f"The claim set is {claim_set.status} ({claim_set.progress}/{claim_set.total}); download it once ready.",
                field="status", code="not_ready", status_code=409,
            )
        fmt = EXTENSIONS[extension]
        response = StreamingHttpResponse(
            exports.stream_claim_set(fmt, claim_set, claimset_items(claim_set)), content_type=exports.FORMATS[fmt]
        )
        response["Content-Disposition"] = f'attachment; filename="claim-set-{claim_set.pk}.{extension}"'
        response["ETag"] = f'"{claim_set.content_hash}-{extension}"'
        return response
