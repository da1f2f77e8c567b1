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


def claim_list_page(rows: list[dict], *, top: int = 5) -> list[dict]:
    """The same dicts as ``claim_dict``, from ``selectors.claim_list_rows`` rows (two more queries per page)."""
    from claims.selectors import _USERNAME, claim_list_evidence

    verdict_ids = [row["verdict__id"] for row in rows if row["verdict__id"] is not None]
    candidates, citations = claim_list_evidence(claim_ids=[row["id"] for row in rows], verdict_ids=verdict_ids, top=top)
    reviewer_key, approver_key = f"verdict__reviewer__{_USERNAME}", f"verdict__approved_by__{_USERNAME}"
    page = []
    for row in rows:
        verdict_id = row["verdict__id"]
        verdict = None
        if verdict_id is not None:
            verdict = {
                "id": verdict_id,
                "status": row["verdict__status"],
                "rating": row["verdict__rating__label"],
                "rating_value": row["verdict__rating__value"],
                "best_rating": row["verdict__rating__scale__best_rating"],
                "worst_rating": row["verdict__rating__scale__worst_rating"],
                "explanation": row["verdict__explanation"],
                "reviewer": row[reviewer_key],
                "approved_by": row[approver_key],
                "approved_at": _dt(row["verdict__approved_at"]),
                "revision": row["verdict__revision"],
                "citations": [
                    {
                        "id": c["id"],
                        "url": c["url"],
                        "title": c["title"],
                        "publisher": c["publisher"],
                        "quoted_passage": c["quoted_passage"],
                        "accessed_at": _dt(c["accessed_at"]),
                        "captured_sha256": c["captured_sha256"],
                        "final_url": c["final_url"],
                    }
                    for c in citations.get(verdict_id, ())
                ],
            }
        page.append({
            "id": row["id"],
            "article": row["article_id"],
            "text": row["text"],
            "normalized_text": row["normalized_text"],
            "span_start": row["span_start"],
            "span_end": row["span_end"],
            "score": float(row["score"]),
            "score_reason": row["score_reason"],
            "tags": row["tags"],
            "entities": row["entities"],
            "resolved_dates": row["resolved_dates"],
            "status": row["status"],
            "priority": row["priority"],
            "origin": row["origin"],
            "created_at": _dt(row["created_at"]),
            "updated_at": _dt(row["updated_at"]),
            "candidates": [
                {
                    "id": c["id"],
                    "provider": c["provider"],
                    "match_level": c["match_level"],
                    "score": float(c["score"]),
                    "rank": c["rank"],
                    "state": c["state"],
                    "passage": c["passage"],
                    "passage_start": c["passage_start"],
                    "passage_end": c["passage_end"],
                    "document": {
                        "id": c["document__id"],
                        "kind": c["document__kind"],
                        "title": c["document__title"],
                        "url": c["document__url"],
                        "publisher": c["document__publisher"],
                        "rating_label": c["document__rating_label"],
                    },
                }
                for c in candidates.get(row["id"], ())
            ],
            "verdict": verdict,
        })
    return page
