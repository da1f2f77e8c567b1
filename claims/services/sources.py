"""Writing source documents: the reference corpus and imported fact-checks.

``source_document_upsert`` is idempotent by external id and content: the same
record twice changes nothing; a changed one is updated (its passages are cut
again by ``claims.retrieval.store.passages_sync`` because its hash changed).
``claimreview_records`` turns schema.org ClaimReview JSON-LD into upsert kwargs.
"""
from __future__ import annotations

import hashlib
from datetime import datetime, time
from datetime import timezone as dt_timezone
from typing import Any, Iterator

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from claims.models import SourceDocument, sha256_text


class SourceError(ValueError):
    """A record that cannot be stored; the message says which field and why."""


def parse_when(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise SourceError(f"date: expected an ISO date string, got {value!r}")
    try:
        parsed = parse_datetime(value)
        day = parse_date(value[:10]) if parsed is None and len(value) >= 10 else None
    except ValueError:
        raise SourceError(f"date: {value!r} is not a valid date") from None
    if parsed is None:
        if day is None:
            raise SourceError(f"date: {value!r} is not an ISO date")
        parsed = datetime.combine(day, time())
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed, dt_timezone.utc)


def source_document_upsert(
    *,
    external_id: str,
    title: str,
    body: str,
    kind: str = SourceDocument.Kind.REFERENCE,
    url: str = "",
    publisher: str = "",
    published_at: datetime | None = None,
    language: str = "en",
    rating_label: str = "",
) -> tuple[SourceDocument, str]:
    """Create or update one document; returns it and ``created`` / ``updated`` / ``unchanged``."""
    external_id = (external_id or "").strip()
    title, body = (title or "").strip(), (body or "").strip()
    if not external_id:
        raise SourceError("id: every source needs an external id (used to recognise it on re-import)")
    if len(external_id) > 200:
        raise SourceError("id: longer than 200 characters")
    if not body:
        raise SourceError(f"text: empty body for {external_id!r}")
    if kind not in SourceDocument.Kind.values:
        raise SourceError(f"kind: {kind!r} is not one of {', '.join(SourceDocument.Kind.values)}")
    fields = {
        "kind": kind, "title": (title or body[:120])[:500], "body": body, "url": (url or "")[:1000],
        "publisher": (publisher or "")[:200], "published_at": published_at, "language": language or "en",
        "rating_label": (rating_label or "")[:100],
    }
    with transaction.atomic():
        document = SourceDocument.objects.select_for_update().filter(external_id=external_id).first()
        if document is None:
            return SourceDocument.objects.create(external_id=external_id, **fields), "created"
        if all(getattr(document, k) == v for k, v in fields.items()):
            return document, "unchanged"
        for key, value in fields.items():
            setattr(document, key, value)
        document.save()
        return document, "updated"


def _first(value: Any) -> Any:
    return value[0] if isinstance(value, list) and value else value


def _name(value: Any) -> str:
    value = _first(value)
    if isinstance(value, dict):
        return str(value.get("name") or "")
    return str(value or "")


def claimreview_nodes(data: Any) -> Iterator[dict]:
    """Every ClaimReview object in a JSON-LD document (top level, lists, ``@graph``)."""
    if isinstance(data, list):
        for item in data:
            yield from claimreview_nodes(item)
    elif isinstance(data, dict):
        types = data.get("@type")
        types = types if isinstance(types, list) else [types]
        if "ClaimReview" in types:
            yield data
        if "@graph" in data:
            yield from claimreview_nodes(data["@graph"])


def claimreview_fields(node: dict) -> dict:
    """Upsert kwargs for one ClaimReview node (kind ``factcheck``)."""
    claim = str(node.get("claimReviewed") or "").strip()
    if not claim:
        raise SourceError("claimReviewed: missing or empty")
    rating = _first(node.get("reviewRating")) or {}
    if not isinstance(rating, dict):
        rating = {}
    label = str(rating.get("alternateName") or rating.get("name") or "").strip()
    url = str(node.get("url") or "").strip()
    extra = str(node.get("reviewBody") or node.get("description") or "").strip()
    external_id = "claimreview:" + (url or hashlib.sha256(claim.encode()).hexdigest()[:32])
    if url and len(external_id) > 200:
        external_id = "claimreview:" + sha256_text(url)
    return {
        "external_id": external_id,
        "kind": SourceDocument.Kind.FACTCHECK,
        "title": str(node.get("headline") or node.get("name") or claim).strip(),
        "body": claim + (f"\n\n{extra}" if extra and extra != claim else ""),
        "url": url,
        "publisher": _name(node.get("author")),
        "published_at": parse_when(node.get("datePublished")),
        "language": str(node.get("inLanguage") or "en")[:12],
        "rating_label": label,
    }
