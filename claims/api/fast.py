"""Claims as JSON without DRF's per-field machinery, for lists.

DRF spends most of a claims page in field objects: 50 claims with their
candidates and documents are ~5,000 ``to_representation`` calls. This builds
the same dicts directly from the prefetched rows (see
``selectors.claims_with_evidence``). ``ClaimSerializer`` remains the contract
(the OpenAPI schema comes from it); tests/test_api_claims.py checks that both
give identical output.
"""
from __future__ import annotations

from datetime import datetime, timezone

from claims.api.serializers import ClaimSerializer
from claims.models import Candidate
from reviewers.models import Verdict


def _dt(value: datetime | None) -> str | None:
    if value is None:
        return None
    text = value.astimezone(timezone.utc).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _candidate(candidate: Candidate) -> dict:
    document = candidate.document
    return {
        "id": candidate.id,
        "provider": candidate.provider,
        "match_level": candidate.match_level,
        "score": float(candidate.score),
        "rank": candidate.rank,
        "state": candidate.state,
        "passage": candidate.passage,
        "passage_start": candidate.passage_start,
        "passage_end": candidate.passage_end,
        "document": {
            "id": document.id,
            "kind": document.kind,
            "title": document.title,
            "url": document.url,
            "publisher": document.publisher,
            "rating_label": document.rating_label,
        },
    }


def _verdict(claim) -> dict | None:
    try:
        verdict = claim.verdict
    except Verdict.DoesNotExist:
        return None
    rating = verdict.rating
    scale = rating.scale if rating is not None else None
    return {
        "id": verdict.id,
        "status": verdict.status,
        "rating": rating.label if rating is not None else None,
        "rating_value": rating.value if rating is not None else None,
        "best_rating": scale.best_rating if scale is not None else None,
        "worst_rating": scale.worst_rating if scale is not None else None,
        "explanation": verdict.explanation,
        "reviewer": verdict.reviewer.get_username(),
        "approved_by": verdict.approved_by.get_username() if verdict.approved_by_id else None,
        "approved_at": _dt(verdict.approved_at),
        "revision": verdict.revision,
        "citations": [
            {
                "id": c.id,
                "url": c.url,
                "title": c.title,
                "publisher": c.publisher,
                "quoted_passage": c.quoted_passage,
                "accessed_at": _dt(c.accessed_at),
                "captured_sha256": c.captured_sha256,
                "final_url": c.final_url,
            }
            for c in verdict.citations.all()
        ],
    }


def claim_dict(claim, *, top: int = 5) -> dict:
    candidates = getattr(claim, "top_candidates", None)
    if candidates is None:
        candidates = list(claim.candidates.exclude(state=Candidate.State.DISMISSED).select_related("document"))
    return {
        "id": claim.id,
        "article": claim.article_id,
        "text": claim.text,
        "normalized_text": claim.normalized_text,
        "span_start": claim.span_start,
        "span_end": claim.span_end,
        "score": float(claim.score),
        "score_reason": claim.score_reason,
        "tags": claim.tags,
        "entities": claim.entities,
        "resolved_dates": claim.resolved_dates,
        "status": claim.status,
        "priority": claim.priority,
        "origin": claim.origin,
        "created_at": _dt(claim.created_at),
        "updated_at": _dt(claim.updated_at),
        "candidates": [_candidate(c) for c in candidates[:top]],
        "verdict": _verdict(claim),
    }


class FastClaimSerializer(ClaimSerializer):
    """ClaimSerializer's output, built directly (same schema)."""

    def to_representation(self, instance):
        return claim_dict(instance, top=self.context.get("top", 5))
