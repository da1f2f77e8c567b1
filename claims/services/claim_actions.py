"""Editor actions on a claim that the API offers: reassigning its review."""
from __future__ import annotations

from django.db import transaction

from claims.models import Claim
from claims.services.lifecycle import claim_transition
from reviewers.models import Assignment
from reviewers.services import ReviewError, assignment_end, assignment_lease

REVIEWING_GROUPS = ("Reviewers", "Editors")


def claim_reassign(*, claim_id: int, reviewer, editor) -> Assignment:
    """Give the claim's review to ``reviewer``: a ready claim is leased; one in review changes hands.

    The previous reviewer's lease ends as ``released``; the verdict draft, if
    any, stays with the claim.
    """
    if not reviewer.is_active or not (
        reviewer.is_superuser or reviewer.groups.filter(name__in=REVIEWING_GROUPS).exists()
    ):
        raise ReviewError(f"{reviewer.get_username()} is not a reviewer.", field="reviewer", code="invalid")
    with transaction.atomic():
        claim = Claim.objects.select_for_update().get(pk=claim_id)
        if claim.status == Claim.Status.IN_REVIEW:
            current = Assignment.objects.filter(claim=claim, status=Assignment.Status.ACTIVE).first()
            if current is not None and current.reviewer_id == reviewer.pk:
                return current
            assignment_end(claim=claim, status=Assignment.Status.RELEASED)
            claim_transition(claim=claim, action="release_review", user=editor, reason=f"reassigned to {reviewer}")
        return assignment_lease(claim=claim, reviewer=reviewer, assigned_by=editor)
