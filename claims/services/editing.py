"""Editing a claim's wording: the one write path, with optimistic concurrency on Claim.version."""
from __future__ import annotations

from django.db import transaction

from claims.models import Claim


class ClaimEditConflict(Exception):
    """Someone changed the claim's wording after this person loaded it; nothing was overwritten."""

    def __init__(self, claim: Claim):
        self.current = claim
        super().__init__(
            f"Claim {claim.pk} was changed since you opened it (now version {claim.version}): "
            f"it now reads {claim.normalized_text!r}. Your text was not saved; reload and reapply it."
        )


def claim_edit_wording(*, claim: Claim, user, normalized_text: str, expected_version: int, reason: str = "") -> Claim:
    """Change the normalized text if the claim is still at ``expected_version``; history records who and why."""
    normalized_text = normalized_text.strip()
    if not normalized_text:
        raise ValueError("The claim text cannot be empty.")
    with transaction.atomic():
        current = Claim.objects.select_for_update().get(pk=claim.pk)
        if current.version != expected_version:
            raise ClaimEditConflict(current)
        current.normalized_text = normalized_text
        current.version = expected_version + 1
        current._change_reason = reason or "wording edited"
        current._history_user = user if getattr(user, "is_authenticated", False) else None
        current.save(update_fields=["normalized_text", "version", "updated_at"])
    return current


def claim_plan(*, claim: Claim, user, priority: int, deadline) -> Claim:
    """Set a claim's queue priority and deadline; history records who changed them."""
    with transaction.atomic():
        current = Claim.objects.select_for_update().get(pk=claim.pk)
        current.priority = priority
        current.deadline = deadline
        current._change_reason = "priority or deadline changed"
        current._history_user = user if getattr(user, "is_authenticated", False) else None
        current.save(update_fields=["priority", "deadline", "updated_at"])
    return current
