"""/api/v1/articles/: submit, revise, list and read articles.

Writes go through ``article_ingest`` and ``article_revise``; both accept an
``Idempotency-Key`` header. Lists use cursor pagination ordered by last change.
"""
from __future__ import annotations

import django_filters
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from claims import selectors
from claims.api.errors import FieldError
from claims.api.filters import UtcIsoDateTimeFilter
from claims.api.idempotency import IDEMPOTENCY_PARAMETER, idempotent
from claims.api.pagination import UpdatedCursorPagination
from claims.api.permissions import HasScope, request_has_scope
from claims.api.schema import errors
from claims.api.serializers import (
    ArticleAcceptedSerializer,
    ArticleInSerializer,
    ArticleSerializer,
    StrictFieldsMixin,
)
from claims.models import Article, ArticleRevision
from claims.services.articles import article_ingest
from claims.services.revisions import article_revise


class ArticleDetailSerializer(ArticleSerializer):
    url = serializers.CharField(read_only=True, help_text="The article's public URL, or empty.")

    class Meta(ArticleSerializer.Meta):
        fields = [*ArticleSerializer.Meta.fields, "revision", "updated_at"]


class ArticleSummarySerializer(ArticleDetailSerializer):
    class Meta(ArticleDetailSerializer.Meta):
        fields = [f for f in ArticleDetailSerializer.Meta.fields if f != "claims"]


class ArticleUpdateSerializer(StrictFieldsMixin, serializers.Serializer):
    """PUT needs headline and body; PATCH any subset. ``external_id`` may be sent but not changed."""

    external_id = serializers.CharField(max_length=200, required=False, allow_null=True, allow_blank=False)
    url = serializers.URLField(max_length=1000, required=False, allow_blank=True)
    headline = serializers.CharField(max_length=500)
    byline = serializers.CharField(max_length=300, required=False, allow_blank=True)
    body = serializers.CharField(trim_whitespace=False, allow_blank=True)
    published_at = serializers.DateTimeField(required=False, allow_null=True)
    language = serializers.RegexField(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$", max_length=12, required=False)


class ArticleRevisedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    url = serializers.CharField()
    revision = serializers.IntegerField()
    revised = serializers.BooleanField(help_text="False when the update changed nothing (no new revision).")
    body_changed = serializers.BooleanField(help_text="True when claims are extracted again for the new body.")


class ArticleRevisionSerializer(serializers.ModelSerializer):
    class Meta:
        model = ArticleRevision
        fields = ["number", "headline", "body", "content_hash", "created_at"]


class ArticleFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Article.Status.choices)
    external_id = django_filters.CharFilter()
    updated_since = UtcIsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")

    class Meta:
        model = Article
        fields = ["status", "external_id", "updated_since"]


def _article_id(pk) -> int:
    if not str(pk).isdigit() or len(str(pk)) > 18:
        raise FieldError("No article has this id.", field="id", code="not_found", status_code=404)
    return int(pk)


@extend_schema_view(
    list=extend_schema(summary="List articles, most recently changed first", responses={200: ArticleSummarySerializer(many=True), **errors(400, 401, 403, 429)}),
    retrieve=extend_schema(summary="An article with its claims and their candidate sources", responses={200: ArticleDetailSerializer, **errors(401, 403, 404, 429)}),
)
class ArticleViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    filterset_class = ArticleFilter
    pagination_class = UpdatedCursorPagination
    serializer_class = ArticleSummarySerializer
    queryset = Article.objects.all()

    def get_permissions(self):
        scope = "ingest" if self.action in ("create", "update", "partial_update") else "read"
        return [HasScope.of(scope)()]

    def get_serializer_class(self):
        if self.action == "create":
            return ArticleInSerializer
        if self.action in ("update", "partial_update"):
            return ArticleUpdateSerializer
        return ArticleSummarySerializer

    @extend_schema(
        request=ArticleInSerializer,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={
            202: OpenApiResponse(ArticleAcceptedSerializer, description="Stored; claims are extracted in the background."),
            200: OpenApiResponse(ArticleAcceptedSerializer, description="Already stored with this external id and body."),
            **errors(400, 401, 403, 409, 413, 415, 422, 429),
        },
        summary="Submit an article for claim extraction",
    )
    def create(self, request, *args, **kwargs):
        def write():
            serializer = ArticleInSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            client = getattr(request.auth, "client", None)
            result = article_ingest(client=client, created_by=request.user, **serializer.validated_data)
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

        return idempotent(request, write)

    def retrieve(self, request, pk=None):
        try:
            article = selectors.article_with_claims(article_id=_article_id(pk))
        except Article.DoesNotExist:
            raise FieldError("No article has this id.", field="id", code="not_found", status_code=404) from None
        return Response(ArticleDetailSerializer(article, context={"request": request}).data)

    @extend_schema(
        request=ArticleUpdateSerializer,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={200: ArticleRevisedSerializer, **errors(400, 401, 403, 404, 409, 413, 415, 422, 429)},
        summary="Replace an article: a new revision; claims with unchanged text keep their work",
    )
    def update(self, request, pk=None):
        return idempotent(request, lambda: self._revise(request, pk, partial=False))

    @extend_schema(
        request=ArticleUpdateSerializer(partial=True),
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={200: ArticleRevisedSerializer, **errors(400, 401, 403, 404, 409, 413, 415, 422, 429)},
        summary="Change some fields of an article: a new revision",
    )
    def partial_update(self, request, pk=None):
        return idempotent(request, lambda: self._revise(request, pk, partial=True))

    def _revise(self, request, pk, *, partial: bool) -> Response:
        article = Article.objects.filter(pk=_article_id(pk)).only("id", "client_id", "external_id").first()
        if article is None:
            raise FieldError("No article has this id.", field="id", code="not_found", status_code=404)
        client = getattr(request.auth, "client", None)
        if client is not None and article.client_id != client.pk and not request_has_scope(request, "admin"):
            raise FieldError(
                "This article was submitted by another API client; only that client (or an admin token) may revise it.",
                code="permission_denied",
                status_code=403,
            )
        serializer = ArticleUpdateSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        changes = dict(serializer.validated_data)
        if "external_id" in changes:
            if (changes.pop("external_id") or None) != article.external_id:
                raise FieldError(
                    f"The external id cannot change (it is {article.external_id!r}); submit a new article instead.",
                    field="external_id",
                    code="immutable",
                )
        result = article_revise(article_id=article.pk, user=request.user, **changes)
        article = result.article
        return Response(
            {
                "id": article.pk,
                "status": article.status,
                "url": request.build_absolute_uri(article.get_absolute_url()),
                "revision": article.revision,
                "revised": result.revised,
                "body_changed": result.body_changed,
            }
        )

    @extend_schema(
        summary="Every body the article has had, oldest first",
        responses={200: ArticleRevisionSerializer(many=True), **errors(401, 403, 404, 429)},
        filters=False,
    )
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def revisions(self, request, pk=None):
        article = Article.objects.filter(pk=_article_id(pk)).first()
        if article is None:
            raise FieldError("No article has this id.", field="id", code="not_found", status_code=404)
        revisions = list(article.revisions.order_by("number"))
        if not revisions:
            revisions = [ArticleRevision(article=article, number=article.revision, headline=article.headline, body=article.body, content_hash=article.content_hash, created_at=article.created_at)]
        return Response(ArticleRevisionSerializer(revisions, many=True).data)
