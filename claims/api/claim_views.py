"""/api/v1/claims/: list and read claims; editor actions (reject, reassign) for `admin` tokens."""
from __future__ import annotations

import json

import django_filters
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import TextField
from django.db.models.functions import Cast
from django.http import HttpResponse
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, renderers, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from claims import selectors
from claims.api import caching
from claims.api.errors import FieldError
from claims.api.fast import FastClaimSerializer, claim_list_page
from claims.api.filters import UtcIsoDateTimeFilter
from claims.api.pagination import UpdatedCursorPagination
from claims.api.permissions import HasScope
from claims.api.renderers import FastJSONRenderer
from claims.api.schema import errors
from claims.api.serializers import ClaimSerializer, StrictFieldsMixin
from claims.models import Claim
from claims.services.claim_actions import claim_reassign
from claims.services.lifecycle import claim_reject


class ClaimFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=Claim.Status.choices)
    article = django_filters.NumberFilter(field_name="article_id")
    min_score = django_filters.NumberFilter(field_name="score", lookup_expr="gte")
    rating = django_filters.CharFilter(field_name="verdict__rating__label", lookup_expr="iexact")
    tag = django_filters.CharFilter(method="filter_tag", help_text="Claims carrying this tag.")
    updated_since = UtcIsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")

    class Meta:
        model = Claim
        fields = ["status", "article", "min_score", "rating", "tag", "updated_since"]

    def filter_tag(self, queryset, name, value):
        if connection.vendor == "postgresql":
            return queryset.filter(tags__contains=[value])
        # SQLite has no JSON containment: match the JSON-encoded tag inside the stored list.
        return queryset.annotate(tags_text=Cast("tags", TextField())).filter(tags_text__contains=json.dumps(value))


class RejectSerializer(StrictFieldsMixin, serializers.Serializer):
    reason = serializers.CharField(max_length=300, help_text="Why, e.g. 'not check-worthy' or 'duplicate of 12'.")


class ReassignSerializer(StrictFieldsMixin, serializers.Serializer):
    reviewer = serializers.CharField(max_length=150, help_text="The username of the reviewer who takes the claim.")


class AssignmentSerializer(serializers.Serializer):
    claim = serializers.IntegerField(source="claim_id")
    reviewer = serializers.CharField(source="reviewer.get_username")
    lease_expires_at = serializers.DateTimeField()


def claim_id_from(pk) -> int:
    if not str(pk).isdigit() or len(str(pk)) > 18:
        raise FieldError("No claim has this id.", field="id", code="not_found", status_code=404)
    return int(pk)


def claim_or_404(pk) -> Claim:
    claim = Claim.objects.filter(pk=claim_id_from(pk)).first()
    if claim is None:
        raise FieldError("No claim has this id.", field="id", code="not_found", status_code=404)
    return claim


@extend_schema_view(
    list=extend_schema(summary="List claims, most recently changed first", responses={200: ClaimSerializer(many=True), **errors(400, 401, 403, 429)}),
    retrieve=extend_schema(summary="A claim with its candidate sources and verdict", responses={200: ClaimSerializer, **errors(401, 403, 404, 429)}),
)
class ClaimViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = FastClaimSerializer
    filterset_class = ClaimFilter
    pagination_class = UpdatedCursorPagination
    renderer_classes = [FastJSONRenderer, renderers.BrowsableAPIRenderer]

    def get_permissions(self):
        return [HasScope.of("admin" if self.action in ("reject", "reassign") else "read")()]

    def get_queryset(self):
        return selectors.claims_with_evidence()

    def list(self, request, *args, **kwargs):
        # Authentication, scope and throttling have run (DRF's initial()); only the page itself is cached.
        if not caching.pages_usable_for(request) or (generations := caching.generations_for(request)) is None:
            return self._list_page(request)
        generation, key = generations[caching.CLAIMS_LIST], caching.page_key(request)

        def build() -> bytes:
            # Another web process may have built it already (shared through Redis).
            body = caching.shared_page(key, generation)
            if body is None:
                data = self._list_page(request).data
                body = request.accepted_renderer.render(data, request.accepted_media_type, self.get_renderer_context())
                caching.share_page(key, generation, body)
            return body

        body = caching.pages.get_or_build(key, generation, build)
        return HttpResponse(body, content_type=request.accepted_renderer.media_type)

    def _list_page(self, request):
        # Plain rows, not model instances (selectors.claim_list_rows); same JSON as ClaimSerializer.
        page = self.paginate_queryset(self.filter_queryset(selectors.claim_list_rows()))
        return self.get_paginated_response(claim_list_page(page))

    def retrieve(self, request, pk=None):
        claim = selectors.claims_with_evidence().filter(pk=claim_id_from(pk)).first()
        if claim is None:
            raise FieldError("No claim has this id.", field="id", code="not_found", status_code=404)
        return Response(ClaimSerializer(claim, context={"request": request}).data)

    @extend_schema(
        request=RejectSerializer,
        responses={200: ClaimSerializer, **errors(400, 401, 403, 404, 409, 415, 429)},
        summary="Reject a claim (editor): it leaves the review queue",
        filters=False,
    )
    @action(detail=True, methods=["post"], filterset_class=None, pagination_class=None)
    def reject(self, request, pk=None):
        claim = claim_or_404(pk)
        serializer = RejectSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        claim_reject(claim=claim, user=request.user, reason=serializer.validated_data["reason"])
        return Response(ClaimSerializer(selectors.claims_with_evidence().get(pk=claim.pk), context={"request": request}).data)

    @extend_schema(
        request=ReassignSerializer,
        responses={200: AssignmentSerializer, **errors(400, 401, 403, 404, 409, 415, 429)},
        summary="Give a claim's review to another reviewer (editor)",
        filters=False,
    )
    @action(detail=True, methods=["post"], filterset_class=None, pagination_class=None)
    def reassign(self, request, pk=None):
        claim = claim_or_404(pk)
        serializer = ReassignSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        reviewer = get_user_model().objects.filter(username=serializer.validated_data["reviewer"]).first()
        if reviewer is None:
            raise FieldError("No user has this username.", field="reviewer", code="does_not_exist")
        assignment = claim_reassign(claim_id=claim.pk, reviewer=reviewer, editor=request.user)
        return Response(AssignmentSerializer(assignment).data)
