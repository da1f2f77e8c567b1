"""The claim lifecycle: the only way any caller changes a claim's status.

    new -> gathering -> ready_for_review -> in_review -> awaiting_approval -> published
                 \\-> gathering_failed (retryable)      (any open state) -> rejected

The allowed moves are declared on ``Claim`` with django-fsm; this module wraps
them in a transaction, records who moved the claim and why in the audit
history, and turns a refused move into :class:`ClaimTransitionError`, whose
message the admin and the API show as is.
"""
from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django_fsm import ConcurrentTransition, can_proceed

from claims.models import Claim

# What each transition is called in messages, by method name.
ACTION_LABELS = {
    "start_gathering": "start gathering sources",
    "finish_gathering": "mark ready for review",
    "fail_gathering": "mark gathering failed",
    "start_review": "start review",
    "release_review": "return to the queue",
    "submit_for_approval": "submit for approval",
    "return_to_review": "return to the reviewer",
    "publish": "publish",
    "reopen_published": "revise",
    "reject": "reject",
    "restore": "restore",
    "mark_stale": "mark stale",
}


class ClaimTransitionError(Exception):
    """A claim cannot make the requested move. The message says why and what it can do."""

    def __init__(self, claim: Claim, action: str, detail: str = ""):
        self.claim = claim
        self.action = action
        allowed = [ACTION_LABELS[t.name] for t in claim.get_available_status_transitions()]
        label = ACTION_LABELS.get(action, action)
        message = detail or (
            f"Claim {claim.pk} is '{claim.get_status_display()}' and cannot {label}. "
            f"From this state it can: {', '.join(allowed) or 'nothing'}."
        )
        super().__init__(message)


def claim_transition(*, claim: Claim, action: str, user=None, reason: str = "", **changes) -> Claim:
    """Apply one lifecycle move to ``claim`` and save it (plus ``changes``) atomically.

    The save is a conditional update on the status the claim had when it was
    loaded, so of two concurrent moves from the same state only one lands;
    the other gets a ClaimTransitionError instead of silently winning.
    """
    if action not in ACTION_LABELS:
        raise ValueError(f"unknown claim action {action!r}")
    method = getattr(claim, action)
    if not can_proceed(method):
        raise ClaimTransitionError(claim, action)
    previous = claim.status
    try:
        with transaction.atomic():
            method()
            for field, value in changes.items():
                setattr(claim, field, value)
            claim.status_changed_at = timezone.now()
            claim._change_reason = reason or f"{previous} -> {claim.status}"
            if user is not None and getattr(user, "is_authenticated", False):
                claim._history_user = user
            claim.save()
    except ConcurrentTransition as exc:
        claim.refresh_from_db()
        raise ClaimTransitionError(
            claim,
            action,
            f"Claim {claim.pk} was changed by someone else meanwhile (it is now "
            f"'{claim.get_status_display()}'); reload and try again.",
        ) from exc
    except Exception:
        claim.refresh_from_db()  # leave the caller's object as the database has it
        raise
    return claim


def claim_transition_by_id(*, claim_id: int, action: str, user=None, reason: str = "", **changes) -> Claim:
    """Lock the row, then transition: for tasks and sweeps that only hold an id."""
    with transaction.atomic():
        claim = Claim.objects.select_for_update().get(pk=claim_id)
        return claim_transition(claim=claim, action=action, user=user, reason=reason, **changes)


def claim_reject(*, claim: Claim, user=None, reason: str) -> Claim:
    if not reason.strip():
        raise ClaimTransitionError(claim, "reject", "Say why the claim is rejected (e.g. 'not check-worthy', 'duplicate').")
    return claim_transition(claim=claim, action="reject", user=user, reason=reason, rejection_reason=reason[:300])
