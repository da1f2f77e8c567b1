"""Verified claim sets: published claims chosen by filters, frozen when built.

A set's membership (ordered claim ids) and each item's serialized JSON record and
ClaimReview node are written once, at build time, as text. Downloads stream that
text back, so the bytes never change after a verdict is revised or a claim deleted.
``content_hash`` is the SHA-256 of the NDJSON download (each record_json + "\\n").

Small sets are built in the request; larger ones (over ``FACTDESK_CLAIMSET_SYNC_LIMIT``)
by the ``build_claim_set`` task, which commits chunk by chunk and reports progress.
The builder claims a set with a conditional update (pending, or building with a stale
heartbeat), so a redelivered message does nothing while the first build is alive and
a build orphaned by a dead worker is taken over (the sweeper re-queues it).
"""
from __future__ import annotations

import hashlib
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from claims import exports, selectors
from claims.models import Claim, ClaimSet, ClaimSetItem

CHUNK = 1000
FILTERS = {
    "since": "ISO 8601 date-time: verdicts approved at or after it",
    "until": "ISO 8601 date-time: verdicts approved before it",
    "ratings": "list of rating labels, e.g. [\"False\", \"Misleading\"]",
    "tags": "list of tags: claims carrying any of them",
    "article_external_ids": "list of the CMS's article ids",
    "claim_ids": "list of claim ids",
}


class ClaimSetError(Exception):
    def __init__(self, message: str, *, field: str | None = None, code: str = "invalid"):
        super().__init__(message)
        self.message, self.field, self.code = message, field, code


def _datetime(value, field: str):
    parsed = None
    if isinstance(value, str):
        try:
            parsed = parse_datetime(value)
        except ValueError:
            parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise ClaimSetError("Use an ISO 8601 date-time with a time zone, e.g. 2024-01-31T00:00:00Z.", field=f"filters.{field}")
    return parsed


def _list(value, field: str, kind: type) -> list:
    if not isinstance(value, list) or not value or not all(isinstance(v, kind) and not isinstance(v, bool) for v in value):
        raise ClaimSetError(f"Give a non-empty list of {kind.__name__} values.", field=f"filters.{field}")
    return value


def claimset_filters_check(filters) -> dict:
    """Validate filters; an unknown key is an error (a typo must not silently export everything)."""
    if filters is None:
        return {}
    if not isinstance(filters, dict):
        raise ClaimSetError("filters must be an object.", field="filters")
    unknown = sorted(set(filters) - set(FILTERS))
    if unknown:
        raise ClaimSetError(f"Unknown filter(s) {', '.join(unknown)}; use {', '.join(FILTERS)}.", field="filters", code="unknown")
    for key in ("since", "until"):
        if key in filters:
            _datetime(filters[key], key)
    for key in ("ratings", "tags", "article_external_ids"):
        if key in filters:
            _list(filters[key], key, str)
    if "claim_ids" in filters:
        _list(filters["claim_ids"], "claim_ids", int)
    return dict(filters)


def claimset_claims(filters: dict) -> QuerySet[Claim]:
    """The published claims a set with these (checked) filters contains, in export order."""
    claims = selectors.published_claims()
    if "since" in filters:
        claims = claims.filter(verdict__approved_at__gte=_datetime(filters["since"], "since"))
    if "until" in filters:
        claims = claims.filter(verdict__approved_at__lt=_datetime(filters["until"], "until"))
    if "ratings" in filters:
        claims = claims.filter(verdict__rating__label__in=filters["ratings"])
    if "tags" in filters:
        any_tag = Q()
        for tag in filters["tags"]:
            any_tag |= Q(tags__contains=[tag]) if _json_contains_supported() else Q(tags__icontains=f'"{tag}"')
        claims = claims.filter(any_tag)
    if "article_external_ids" in filters:
        claims = claims.filter(article__external_id__in=filters["article_external_ids"])
    if "claim_ids" in filters:
        claims = claims.filter(pk__in=filters["claim_ids"])
    return claims


def _json_contains_supported() -> bool:
    from django.db import connection

    return connection.features.supports_json_field_contains


def claimset_create(*, name: str, filters, creator) -> ClaimSet:
    name = (name or "").strip()
    if not name:
        raise ClaimSetError("Give the set a name.", field="name", code="blank")
    if len(name) > 200:
        raise ClaimSetError("Keep the name under 200 characters.", field="name", code="max_length")
    filters = claimset_filters_check(filters)
    claim_set = ClaimSet.objects.create(name=name, filters=filters, creator=creator)
    if claimset_claims(filters).count() <= settings.FACTDESK_CLAIMSET_SYNC_LIMIT:
        return claimset_build(claim_set_id=claim_set.pk)
    from claims.tasks import build_claim_set

    transaction.on_commit(lambda: build_claim_set.delay(claim_set.pk))
    return claim_set


def _claim_for_build(claim_set_id: int, now) -> bool:
    stale = now - timedelta(seconds=settings.FACTDESK_STUCK_AFTER_SECONDS)
    return bool(
        ClaimSet.objects.filter(pk=claim_set_id)
        .filter(Q(status=ClaimSet.Status.PENDING) | Q(status=ClaimSet.Status.BUILDING, heartbeat_at__lt=stale))
        .update(status=ClaimSet.Status.BUILDING, heartbeat_at=now, progress=0, total=0, error="")
    )


def claimset_build(*, claim_set_id: int) -> ClaimSet:
    """Fix the membership and freeze every item. Safe to run twice (see the module docstring)."""
    if not _claim_for_build(claim_set_id, timezone.now()):
        return ClaimSet.objects.get(pk=claim_set_id)
    claim_set = ClaimSet.objects.get(pk=claim_set_id)
    try:
        with transaction.atomic():
            ClaimSetItem.objects.filter(claim_set=claim_set).delete()  # a dead build's partial items
            members = list(claimset_claims(claim_set.filters).values_list("pk", flat=True))
            ClaimSet.objects.filter(pk=claim_set.pk).update(total=len(members))
        digest = hashlib.sha256()
        for start in range(0, len(members), CHUNK):
            ids = members[start : start + CHUNK]
            by_id = {c.pk: c for c in selectors.published_claims().filter(pk__in=ids)}
            items = []
            for offset, claim_id in enumerate(ids):
                claim = by_id.get(claim_id)
                if claim is None:  # unpublished since membership was fixed: left out (a gap in positions)
                    continue
                record_json = exports.dumps(exports.claim_record(claim))
                digest.update(record_json.encode("utf-8") + b"\n")
                items.append(
                    ClaimSetItem(
                        claim_set=claim_set, position=start + offset, claim_id=claim_id,
                        record_json=record_json, review_json=exports.dumps(exports.claim_review(claim)),
                    )
                )
            with transaction.atomic():
                ClaimSetItem.objects.bulk_create(items)
                ClaimSet.objects.filter(pk=claim_set.pk).update(progress=start + len(ids), heartbeat_at=timezone.now())
        count = ClaimSetItem.objects.filter(claim_set=claim_set).count()
        ClaimSet.objects.filter(pk=claim_set.pk).update(
            status=ClaimSet.Status.READY, total=count, progress=count, content_hash=digest.hexdigest(),
            frozen_at=timezone.now(), heartbeat_at=timezone.now(),
        )
    except Exception as exc:
        ClaimSet.objects.filter(pk=claim_set.pk).update(status=ClaimSet.Status.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000])
        raise
    claim_set.refresh_from_db()
    return claim_set


def claimset_items(claim_set: ClaimSet):
    """The frozen (record_json, review_json) pairs in order, fetched in chunks (constant memory)."""
    return (
        ClaimSetItem.objects.filter(claim_set=claim_set)
        .order_by("position")
        .values_list("record_json", "review_json")
        .iterator(chunk_size=2000)
    )


def claimset_requeue_stuck(*, now=None) -> int:
    """For the sweeper: a set whose build message was lost (pending) or whose builder died (stale heartbeat).

    Each is put back to pending with a fresh clock, so one message per stuck period waits
    in the broker, not one per sweep.
    """
    from claims.tasks import build_claim_set

    now = now or timezone.now()
    stale = now - timedelta(seconds=settings.FACTDESK_STUCK_AFTER_SECONDS)
    stuck = Q(status=ClaimSet.Status.PENDING, heartbeat_at__isnull=True, created_at__lt=stale) | Q(
        status__in=[ClaimSet.Status.PENDING, ClaimSet.Status.BUILDING], heartbeat_at__lt=stale
    )
    requeued = 0
    for claim_set_id in ClaimSet.objects.filter(stuck).values_list("pk", flat=True):
        if ClaimSet.objects.filter(stuck, pk=claim_set_id).update(status=ClaimSet.Status.PENDING, heartbeat_at=now):
            build_claim_set.delay(claim_set_id)
            requeued += 1
    return requeued
