"""API v1 views: thin, they validate input and call services and selectors."""
from __future__ import annotations

import django_filters
from django.http import StreamingHttpResponse
from django.utils.dateparse import parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from claims import exports, selectors
from claims.api.errors import error_response
from claims.api.permissions import HasScope
from claims.api.serializers import (
    ArticleAcceptedSerializer,
    ArticleInSerializer,
    ArticleListSerializer,
    ArticleSerializer,
    ClaimSerializer,
)
from claims.models import Article, Claim
from claims.services.articles import article_ingest


def _client_of(request):
    auth = request.auth
    return getattr(auth, "client", None)


class ArticleFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Article.Status.choices)
    external_id = django_filters.CharFilter()
    updated_since = django_filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")

    class Meta:
        model = Article
        fields = ["status", "external_id", "updated_since"]


class ArticleViewSet(mixins.CreateModelMixin, mixins.RetrieveModelMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    filterset_class = ArticleFilter

    def get_permissions(self):
        return [HasScope.of("ingest" if self.action == "create" else "read")()]

    def get_queryset(self):
        return Article.objects.order_by("-created_at", "-id")

    def get_serializer_class(self):
        if self.action == "create":
            return ArticleInSerializer
        return ArticleListSerializer if self.action == "list" else ArticleSerializer

    @extend_schema(
        request=ArticleInSerializer,
        responses={202: ArticleAcceptedSerializer, 200: ArticleAcceptedSerializer, 400: OpenApiResponse(description="Field errors"), 409: OpenApiResponse(description="Conflict"), 413: OpenApiResponse(description="Too large")},
        summary="Submit an article for claim extraction",
    )
    def create(self, request, *args, **kwargs):
        serializer = ArticleInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = article_ingest(client=_client_of(request), created_by=request.user, **serializer.validated_data)
        article = result.article
        body = {
            "id": article.pk,
            "status": article.status,
            "url": request.build_absolute_uri(article.get_absolute_url()),
            "created": result.created,
        }
        response = Response(body, status=status.HTTP_202_ACCEPTED if result.created else status.HTTP_200_OK)
        response["Location"] = body["url"]
        return response

    def retrieve(self, request, *args, **kwargs):
        pk = kwargs["pk"]
        if not str(pk).isdigit():
            return error_response("Not found.", code="not_found", status_code=404)
        try:
            article = selectors.article_with_claims(article_id=int(pk))
        except Article.DoesNotExist:
            return error_response("Not found.", code="not_found", status_code=404)
        return Response(ArticleSerializer(article, context={"request": request}).data)


class ClaimFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=Claim.Status.choices)
    article = django_filters.NumberFilter(field_name="article_id")
    min_score = django_filters.NumberFilter(field_name="score", lookup_expr="gte")
    rating = django_filters.CharFilter(field_name="verdict__rating__label", lookup_expr="iexact")
    updated_since = django_filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")

    class Meta:
        model = Claim
        fields = ["status", "article", "min_score", "rating", "updated_since"]


class ClaimViewSet(mixins.RetrieveModelMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = ClaimSerializer
    filterset_class = ClaimFilter
    permission_classes = [HasScope.of("read")]

    def get_queryset(self):
        return selectors.claims_with_evidence().order_by("-updated_at", "-id")


class ExportView(APIView):
    """Published claims with verdicts and citations, streamed."""

    permission_classes = [HasScope.of("export")]
    formats_by_extension = {"json": "json", "csv": "csv", "jsonld": "claimreview"}

    @extend_schema(
        parameters=[OpenApiParameter("since", OpenApiTypes.DATETIME, description="Only verdicts approved since then")],
        responses={(200, "application/json"): OpenApiTypes.OBJECT},
        summary="Export published claims (json, csv or ClaimReview jsonld)",
    )
    def get(self, request, extension: str):
        fmt = self.formats_by_extension[extension]
        since = request.query_params.get("since")
        since_value = None
        if since:
            since_value = parse_datetime(since)
            if since_value is None:
                return error_response("Use an ISO 8601 date-time, e.g. 2023-10-19T00:00:00Z.", field="since", code="invalid")
        response = StreamingHttpResponse(
            exports.stream(fmt, selectors.published_claims(since=since_value)), content_type=exports.FORMATS[fmt]
        )
        response["Content-Disposition"] = f'attachment; filename="claims.{extension}"'
        return response
