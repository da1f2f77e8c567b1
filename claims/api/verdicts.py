"""/api/v1/claims/{id}/verdict/: read a verdict; reviewers (`review` scope) write it.

Writes go through reviewers.services (verdict_save, citation_add,
verdict_submit), the same path as the reviewer pages and the admin: only the
holder of the claim's live review lease writes (a free claim is leased to the
writer), so a lease held by someone else is a 409 with field "lease". A save
carries ``expected_version``; if the verdict moved on since, the answer is 409
and nothing is overwritten.
"""
from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from claims.api.claim_views import claim_or_404
from claims.api.errors import FieldError
from claims.api.permissions import HasScope
from claims.api.schema import errors
from claims.api.serializers import CitationSerializer, StrictFieldsMixin, VerdictSerializer
from claims.models import Candidate
from reviewers.models import Rating, RatingScale, Verdict
from reviewers.services import citation_add, verdict_save, verdict_submit


class VerdictOutSerializer(VerdictSerializer):
    class Meta(VerdictSerializer.Meta):
        fields = [*VerdictSerializer.Meta.fields, "version", "updated_at"]


class VerdictInSerializer(StrictFieldsMixin, serializers.Serializer):
    rating = serializers.CharField(
        max_length=100, required=False, allow_null=True, help_text="A rating label of the default scale, e.g. 'False'."
    )
    explanation = serializers.CharField(required=False, allow_blank=True, default="", max_length=20000)
    expected_version = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=2**31 - 1,
        help_text="The verdict version this edit was made from; omit only when creating the verdict.",
    )


class CitationInSerializer(StrictFieldsMixin, serializers.Serializer):
    quoted_passage = serializers.CharField(max_length=20000)
    candidate = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=2**63 - 1,
                                         help_text="A candidate source of this claim; url, title and publisher come from it.")
    url = serializers.URLField(max_length=1000, required=False, allow_blank=True, default="")
    title = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    publisher = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class SubmitSerializer(StrictFieldsMixin, serializers.Serializer):
    expected_version = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=2**31 - 1)


def _verdict_of(claim) -> Verdict:
    verdict = (
        Verdict.objects.select_related("rating__scale", "reviewer", "approved_by")
        .prefetch_related("citations")
        .filter(claim=claim)
        .first()
    )
    if verdict is None:
        raise FieldError(f"Claim {claim.pk} has no verdict yet.", field="verdict", code="not_found", status_code=404)
    return verdict


def _rating(label: str | None) -> Rating | None:
    if label is None:
        return None
    scale = RatingScale.objects.filter(is_default=True).first()
    ratings = list(Rating.objects.filter(scale=scale)) if scale else []
    for rating in ratings:
        if rating.label.lower() == label.strip().lower():
            return rating
    raise FieldError(
        f"No rating {label!r} on the default scale; use one of: {', '.join(r.label for r in ratings) or 'none defined'}.",
        field="rating",
        code="invalid_choice",
    )


class VerdictView(APIView):
    def get_permissions(self):
        return [HasScope.of("read" if self.request.method in ("GET", "HEAD", "OPTIONS") else "review")()]

    @extend_schema(summary="A claim's verdict with its citations", responses={200: VerdictOutSerializer, **errors(401, 403, 404, 429)})
    def get(self, request, pk):
        return Response(VerdictOutSerializer(_verdict_of(claim_or_404(pk))).data)

    @extend_schema(
        summary="Create or edit the verdict draft (reviewer); a ready claim is leased to you",
        request=VerdictInSerializer,
        responses={200: VerdictOutSerializer, **errors(400, 401, 403, 404, 409, 415, 429)},
    )
    def put(self, request, pk):
        claim = claim_or_404(pk)
        serializer = VerdictInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        existing = Verdict.objects.filter(claim=claim).values_list("version", flat=True).first()
        if existing is not None and data.get("expected_version") is None:
            raise FieldError(
                f"This claim already has a verdict (version {existing}); send expected_version so that a newer edit is not overwritten.",
                field="expected_version",
                code="required",
            )
        verdict_save(
            claim=claim,
            reviewer=request.user,
            rating=_rating(data.get("rating")),
            explanation=data.get("explanation", ""),
            expected_version=data.get("expected_version"),
        )
        return Response(VerdictOutSerializer(_verdict_of(claim)).data)


class CitationView(APIView):
    permission_classes = [HasScope.of("review")]

    @extend_schema(
        summary="Cite a source passage in the verdict (reviewer)",
        request=CitationInSerializer,
        responses={201: CitationSerializer, **errors(400, 401, 403, 404, 409, 415, 429)},
    )
    def post(self, request, pk):
        claim = claim_or_404(pk)
        verdict = _verdict_of(claim)
        serializer = CitationInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        candidate = None
        if data.get("candidate") is not None:
            candidate = Candidate.objects.select_related("document").filter(pk=data["candidate"], claim=claim).first()
            if candidate is None:
                raise FieldError("This claim has no candidate with that id.", field="candidate", code="does_not_exist")
        citation = citation_add(
            verdict=verdict,
            user=request.user,
            quoted_passage=data["quoted_passage"],
            candidate=candidate,
            url=data["url"],
            title=data["title"],
            publisher=data["publisher"],
        )
        return Response(CitationSerializer(citation).data, status=status.HTTP_201_CREATED)


class SubmitView(APIView):
    permission_classes = [HasScope.of("review")]

    @extend_schema(
        summary="Submit the verdict for an editor's approval (reviewer)",
        request=SubmitSerializer,
        responses={200: VerdictOutSerializer, **errors(400, 401, 403, 404, 409, 415, 429)},
    )
    def post(self, request, pk):
        claim = claim_or_404(pk)
        verdict = _verdict_of(claim)
        serializer = SubmitSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        expected = serializer.validated_data.get("expected_version")
        if expected is not None and expected != verdict.version:
            raise FieldError(
                f"The verdict is now version {verdict.version}, not {expected}: reload it before submitting.",
                field="expected_version",
                code="conflict",
                status_code=409,
            )
        verdict_submit(verdict=verdict, user=request.user)
        return Response(VerdictOutSerializer(_verdict_of(claim)).data)
