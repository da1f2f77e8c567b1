"""API serializers. Input and output are separate where they differ; fields are listed."""
from __future__ import annotations

from rest_framework import serializers

from claims.models import Article, Candidate, Claim
from reviewers.models import Citation, Verdict


class StrictFieldsMixin:
    """Refuse unknown fields: a typo in a field name must not be silently ignored."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = set(data) - set(self.fields)
            if unknown:
                raise serializers.ValidationError({name: ["Unknown field."] for name in sorted(unknown)})
            # DRF's CharField turns 42 into "42"; a number where text belongs is a client bug worth reporting.
            not_text = [
                name for name, field in self.fields.items()
                if isinstance(field, serializers.CharField) and name in data
                and data[name] is not None and not isinstance(data[name], str)
            ]
            if not_text:
                raise serializers.ValidationError(
                    {name: [serializers.ErrorDetail("Expected a string.", code="invalid")] for name in not_text}
                )
        return super().to_internal_value(data)


class ArticleInSerializer(StrictFieldsMixin, serializers.Serializer):
    external_id = serializers.CharField(max_length=200, required=False, allow_null=True, allow_blank=False)
    url = serializers.URLField(max_length=1000, required=False, allow_blank=True, default="")
    headline = serializers.CharField(max_length=500)
    byline = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    body = serializers.CharField(trim_whitespace=False, allow_blank=True)
    published_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    language = serializers.RegexField(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$", max_length=12, required=False, default="en")


class DocumentRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    title = serializers.CharField()
    url = serializers.CharField()
    publisher = serializers.CharField()
    rating_label = serializers.CharField()


class CandidateSerializer(serializers.ModelSerializer):
    document = DocumentRefSerializer()

    class Meta:
        model = Candidate
        fields = ["id", "provider", "match_level", "score", "rank", "state", "passage", "passage_start", "passage_end", "document"]


class CitationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Citation
        fields = ["id", "url", "title", "publisher", "quoted_passage", "accessed_at", "captured_sha256", "final_url"]


class VerdictSerializer(serializers.ModelSerializer):
    rating = serializers.CharField(source="rating.label", default=None, allow_null=True)
    rating_value = serializers.IntegerField(source="rating.value", default=None, allow_null=True)
    best_rating = serializers.IntegerField(source="rating.scale.best_rating", default=None, allow_null=True)
    worst_rating = serializers.IntegerField(source="rating.scale.worst_rating", default=None, allow_null=True)
    reviewer = serializers.CharField(source="reviewer.get_username")
    approved_by = serializers.CharField(source="approved_by.get_username", default=None, allow_null=True)
    citations = CitationSerializer(many=True)

    class Meta:
        model = Verdict
        fields = [
            "id", "status", "rating", "rating_value", "best_rating", "worst_rating", "explanation",
            "reviewer", "approved_by", "approved_at", "revision", "citations",
        ]


class ClaimSerializer(serializers.ModelSerializer):
    article = serializers.PrimaryKeyRelatedField(read_only=True)
    candidates = serializers.SerializerMethodField()
    verdict = serializers.SerializerMethodField()

    class Meta:
        model = Claim
        fields = [
            "id", "article", "text", "normalized_text", "span_start", "span_end", "score", "score_reason",
            "tags", "entities", "resolved_dates", "status", "priority", "origin", "created_at", "updated_at",
            "candidates", "verdict",
        ]

    def get_candidates(self, claim) -> list[dict]:
        candidates = getattr(claim, "top_candidates", None)
        if candidates is None:
            candidates = list(claim.candidates.exclude(state=Candidate.State.DISMISSED).select_related("document"))
        return CandidateSerializer(candidates[: self.context.get("top", 5)], many=True).data

    def get_verdict(self, claim) -> dict | None:
        try:
            verdict = claim.verdict
        except Verdict.DoesNotExist:
            return None
        return VerdictSerializer(verdict).data


class ArticleSerializer(serializers.ModelSerializer):
    url = serializers.URLField(read_only=True)
    api_url = serializers.SerializerMethodField()
    claims = serializers.SerializerMethodField()

    class Meta:
        model = Article
        fields = [
            "id", "api_url", "external_id", "url", "headline", "byline", "published_at", "language",
            "content_hash", "status", "error", "created_at", "processed_at", "claims",
        ]

    def get_api_url(self, article) -> str:
        request = self.context.get("request")
        path = article.get_absolute_url()
        return request.build_absolute_uri(path) if request else path

    def get_claims(self, article) -> list[dict]:
        claims = getattr(article, "visible_claims", None)
        if claims is None:
            return []
        return ClaimSerializer(claims, many=True, context=self.context).data


class ArticleListSerializer(ArticleSerializer):
    class Meta(ArticleSerializer.Meta):
        fields = [f for f in ArticleSerializer.Meta.fields if f != "claims"]


class ArticleAcceptedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    url = serializers.CharField()
    created = serializers.BooleanField()
