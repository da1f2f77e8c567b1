"""Editor curation of claims: merge duplicates, split a compound claim, reject as not check-worthy.

Every status change goes through :func:`claims.services.lifecycle.claim_transition`,
so the audit history records who did it and why. Each operation is one
transaction: either all claims involved change or none does.
"""
from __future__ import annotations

from django.db import transaction

from claims.models import Candidate, Claim
from claims.services.lifecycle import ClaimTransitionError, claim_reject

# export_decisions reads rejections whose reason contains this as "No" (not check-worthy);
# merge and split reasons deliberately do not contain it.
NOT_CHECK_WORTHY = "not check-worthy"
CLOSED = (Claim.Status.REJECTED, Claim.Status.STALE)


class CurationError(Exception):
    """The curation cannot be done; the message says why."""


def _end_leases(claim: Claim) -> None:
    from reviewers.models import Assignment
    from reviewers.services import assignment_end

    assignment_end(claim=claim, status=Assignment.Status.RELEASED)


def claim_reject_not_checkworthy(*, claim: Claim, user, detail: str = "") -> Claim:
    """Reject as not check-worthy: recorded so ``manage.py export_decisions`` writes it as a 'No'."""
    reason = NOT_CHECK_WORTHY + (f": {detail.strip()}" if detail.strip() else "")
    with transaction.atomic():
        claim = Claim.objects.select_for_update().get(pk=claim.pk)
        _end_leases(claim)
        return claim_reject(claim=claim, user=user, reason=reason)


def claim_merge(*, keep: Claim, duplicates: list[Claim], user) -> Claim:
    """Reject ``duplicates`` as duplicates of ``keep``; their suggested sources and notes move to ``keep``.

    A duplicate that already has a verdict is refused (merge the other way round).
    """
    from reviewers.models import Note, Verdict

    ids = sorted({d.pk for d in duplicates} - {keep.pk})
    if not ids:
        raise CurationError("Pick at least one other claim to merge into this one.")
    with transaction.atomic():
        locked = {c.pk: c for c in Claim.objects.select_for_update().filter(pk__in=[keep.pk, *ids]).order_by("pk")}
        missing = sorted(set(ids) - set(locked))
        if missing:
            raise CurationError(f"No claim {', '.join(map(str, missing))}.")
        keep = locked[keep.pk]
        if keep.status in CLOSED:
            raise CurationError(f"Claim {keep.pk} is '{keep.get_status_display()}'; merge into an open claim.")
        with_verdict = sorted(Verdict.objects.filter(claim_id__in=ids).values_list("claim_id", flat=True))
        if with_verdict:
            raise CurationError(
                f"Claim {', '.join(map(str, with_verdict))} already has a verdict; merge the other claims into it instead."
            )
        have = set(Candidate.objects.filter(claim=keep).values_list("document_id", flat=True))
        for pk in ids:
            duplicate = locked[pk]
            for candidate in Candidate.objects.filter(claim=duplicate).exclude(document_id__in=have):
                have.add(candidate.document_id)
                Candidate.objects.filter(pk=candidate.pk).update(claim=keep)
            Note.objects.filter(claim=duplicate).update(claim=keep)
            _end_leases(duplicate)
            try:
                claim_reject(claim=duplicate, user=user, reason=f"duplicate of claim {keep.pk} (merged)")
            except ClaimTransitionError as exc:
                raise CurationError(str(exc)) from None
    return keep


def claim_split(*, claim: Claim, parts: list[str], user) -> list[Claim]:
    """Replace ``claim`` by one claim per part; each part is a piece of the claim's own text.

    The new claims keep exact article spans (so they highlight correctly),
    start as editor claims and are sent to source gathering after commit; the
    original is rejected with a reason naming them.
    """
    parts = [p.strip() for p in parts if p.strip()]
    if len(parts) < 2:
        raise CurationError("A split needs at least two parts.")
    with transaction.atomic():
        claim = Claim.objects.select_for_update().select_related("article").get(pk=claim.pk)
        if claim.status in CLOSED or claim.status == Claim.Status.PUBLISHED:
            raise CurationError(f"Claim {claim.pk} is '{claim.get_status_display()}' and cannot be split.")
        body = claim.article.body
        if body[claim.span_start:claim.span_end] != claim.text:
            raise CurationError("The article changed since this claim was extracted; it cannot be split.")
        created = []
        cursor = claim.span_start
        for part in parts:
            at = body.find(part, cursor, claim.span_end)
            if at < 0:
                at = body.find(part, claim.span_start, claim.span_end)
            if at < 0:
                raise CurationError(f"“{part[:80]}” is not part of the claim's text; copy each part from it.")
            cursor = at + len(part)
            created.append(Claim(
                article=claim.article, text=part, normalized_text=part, span_start=at, span_end=at + len(part),
                score=claim.score, tags=claim.tags, priority=claim.priority, deadline=claim.deadline,
                origin=Claim.Origin.EDITOR, created_by=user,
            ))
        for new in created:
            new._history_user = user
            new._change_reason = f"split from claim {claim.pk}"
            new.save()
        _end_leases(claim)
        try:
            claim_reject(claim=claim, user=user, reason=f"split into claims {', '.join(str(c.pk) for c in created)}")
        except ClaimTransitionError as exc:
            raise CurationError(str(exc)) from None
        from claims.services.extraction import _enqueue_gathering

        ids = [c.pk for c in created]
        transaction.on_commit(lambda: _enqueue_gathering(ids))
    return created
