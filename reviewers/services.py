"""Review work: leasing claims, verdicts, citations, approval.

Every function here is the one path for its write, used by the admin, the
reviewer pages and the API alike. Permission checks that depend on the
object (nobody approves their own verdict) live here, not in the views.
"""
from __future__ import annotations

import hashlib
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format

from claims.models import Candidate, Claim, SourceDocument, WebhookEndpoint
from claims.services.lifecycle import ClaimTransitionError, claim_transition
from claims.services.webhooks import webhook_event_emit
from reviewers.models import Assignment, Citation, Rating, Verdict

LEASE = timedelta(seconds=getattr(settings, "FACTDESK_LEASE_SECONDS", 1800))


class ReviewError(Exception):
    """A review action that is not allowed; the message is shown to the person."""

    def __init__(self, message: str, *, field: str = "non_field_errors", code: str = "invalid"):
        super().__init__(message)
        self.field = field
        self.code = code


class VerdictConflict(ReviewError):
    """Someone saved the verdict after this editor loaded it."""

    def __init__(self, verdict: Verdict):
        self.current = verdict
        super().__init__(
            f"This verdict was changed by {verdict.history.first().history_user or 'someone else'} "
            f"since you opened it (now version {verdict.version}); their text is kept. Reload to see it.",
            code="conflict",
        )


class LeaseConflict(ReviewError):
    """The claim is leased to someone else: only the lease holder changes its verdict.

    ``current`` is the verdict as the holder left it (or None), so a page can
    show it next to the text that was not saved.
    """

    def __init__(self, *, assignment: Assignment, verdict: Verdict | None):
        self.assignment = assignment
        self.current = verdict
        until = date_format(timezone.localtime(assignment.lease_expires_at), "DATETIME_FORMAT")
        super().__init__(
            f"Claim {assignment.claim_id} is leased to {assignment.reviewer} until {until}; only they can change "
            "its verdict, and nothing of yours was saved. Ask an editor to reassign the claim if it should be yours.",
            field="lease",
            code="conflict",
        )


# --- assignments -----------------------------------------------------------------


def assignment_lease(*, claim: Claim, reviewer, assigned_by=None) -> Assignment:
    """Lease ``claim`` to ``reviewer``: ready_for_review -> in_review, atomically."""
    with transaction.atomic():
        claim = Claim.objects.select_for_update().get(pk=claim.pk)
        claim_transition(claim=claim, action="start_review", user=assigned_by or reviewer, reason=f"leased to {reviewer}")
        try:
            with transaction.atomic():
                return Assignment.objects.create(
                    claim=claim, reviewer=reviewer, assigned_by=assigned_by, lease_expires_at=timezone.now() + LEASE
                )
        except IntegrityError:
            raise ReviewError(f"Claim {claim.pk} is already assigned to someone.", code="conflict") from None


def assignment_take_next(*, reviewer) -> Assignment | None:
    """Lease the highest-priority claim in the queue to ``reviewer``.

    Two reviewers pressing "Take next" together get different claims: the
    row lock skips claims another transaction is leasing (PostgreSQL), and
    SQLite serialises writers; the conditional status update is the final
    guard either way.
    """
    for _ in range(5):
        with transaction.atomic():
            from reviewers.selectors import QUEUE_ORDER  # the order the queue page shows

            queue = Claim.objects.filter(status=Claim.Status.READY_FOR_REVIEW).order_by(*QUEUE_ORDER)
            claim = queue.select_for_update(skip_locked=True, of=("self",)).first()
            if claim is None:
                return None
            try:
                return assignment_lease(claim=claim, reviewer=reviewer)
            except (ClaimTransitionError, ReviewError):
                continue  # lost a race for that one; try the next
    return None


def assignment_hold(*, claim: Claim, user) -> Assignment:
    """The live lease ``user`` needs to change the claim's verdict; call with the claim row locked.

    The rule: you save only while you hold a live lease, and each save renews
    it. A free claim is taken on the way: a ``ready_for_review`` one is leased
    to you, and an ``in_review`` one whose lease has run out (the sweeper has
    not got to it yet) is taken over, the old lease ending as ``expired``. A
    live lease of someone else's raises :class:`LeaseConflict`.
    """
    if claim.status == Claim.Status.READY_FOR_REVIEW:
        assignment = assignment_lease(claim=claim, reviewer=user)
        claim.refresh_from_db()
        return assignment
    if claim.status != Claim.Status.IN_REVIEW:
        raise ReviewError(
            f"Claim {claim.pk} is '{claim.get_status_display()}'; a verdict can only be edited while it is in review."
        )
    now = timezone.now()
    active = Assignment.objects.select_related("reviewer").filter(claim=claim, status=Assignment.Status.ACTIVE).first()
    if active is not None and active.is_live(now=now) and active.reviewer_id != user.pk:
        raise LeaseConflict(assignment=active, verdict=Verdict.objects.select_related("rating").filter(claim=claim).first())
    if active is not None and active.reviewer_id == user.pk:  # live or lapsed, still theirs: renew it
        Assignment.objects.filter(pk=active.pk).update(lease_expires_at=now + LEASE)
        active.lease_expires_at = now + LEASE
        return active
    if active is not None:
        assignment_end(claim=claim, status=Assignment.Status.EXPIRED)
    return Assignment.objects.create(claim=claim, reviewer=user, lease_expires_at=now + LEASE)


def assignment_end(*, claim: Claim, status: str) -> None:
    Assignment.objects.filter(claim=claim, status=Assignment.Status.ACTIVE).update(status=status, ended_at=timezone.now())


def assignments_expire(*, now=None) -> int:
    """Return claims whose lease ran out to the queue. Called by the sweeper."""
    now = now or timezone.now()
    released = 0
    for assignment in Assignment.objects.filter(status=Assignment.Status.ACTIVE, lease_expires_at__lt=now):
        with transaction.atomic():
            claim = Claim.objects.select_for_update().get(pk=assignment.claim_id)
            # Read again under the lock: a save may have renewed the lease, or taken the claim over, since the list was read.
            if not Assignment.objects.filter(pk=assignment.pk, status=Assignment.Status.ACTIVE, lease_expires_at__lt=now).exists():
                continue
            assignment_end(claim=claim, status=Assignment.Status.EXPIRED)
            if claim.status == Claim.Status.IN_REVIEW:
                claim_transition(claim=claim, action="release_review", reason="lease expired")
                released += 1
    return released


# --- verdicts ----------------------------------------------------------------------


def verdict_save(
    *,
    claim: Claim,
    reviewer,
    rating: Rating | None = None,
    explanation: str = "",
    expected_version: int | None = None,
) -> Verdict:
    """Create or update the draft verdict on a claim the reviewer is working on.

    The reviewer must hold the claim's live lease (:func:`assignment_hold`),
    else :class:`LeaseConflict`. ``expected_version`` is the version the
    reviewer's form was built from; if someone saved in between,
    :class:`VerdictConflict` is raised. Either way nothing is overwritten.
    The one who saves becomes the verdict's reviewer.
    """
    with transaction.atomic():
        claim = Claim.objects.select_for_update().get(pk=claim.pk)
        assignment_hold(claim=claim, user=reviewer)
        verdict = Verdict.objects.select_for_update().filter(claim=claim).first()
        if verdict is None:
            verdict = Verdict(claim=claim, reviewer=reviewer)
        elif expected_version is not None and verdict.version != expected_version:
            raise VerdictConflict(verdict)
        else:
            verdict.version += 1
            verdict.reviewer = reviewer
        verdict.rating = rating
        verdict.explanation = explanation
        if verdict.status == Verdict.Status.RETURNED:
            verdict.status = Verdict.Status.DRAFT
        verdict._history_user = reviewer
        verdict.save()
        return verdict


def citation_add(
    *,
    verdict: Verdict,
    user,
    quoted_passage: str,
    candidate: Candidate | None = None,
    url: str = "",
    title: str = "",
    publisher: str = "",
    captured_text: str | None = None,
    final_url: str = "",
) -> Citation:
    """Cite a passage. From a candidate, the captured text is the source document itself."""
    if verdict.status == Verdict.Status.APPROVED:
        raise ReviewError("This verdict is published and locked; revise it first.")
    if not quoted_passage.strip():
        raise ReviewError("Quote the passage that supports the verdict.", field="quoted_passage", code="blank")
    if candidate is not None:
        if candidate.claim_id != verdict.claim_id:
            raise ReviewError("That candidate belongs to another claim.", field="candidate")
        document = candidate.document
        url = url or document.url
        title = title or document.title
        publisher = publisher or document.publisher
        if captured_text is None:
            captured_text = document.body
    captured_text = captured_text or ""
    if captured_text and quoted_passage not in captured_text:
        raise ReviewError("The quoted passage is not in the captured source text.", field="quoted_passage")
    with transaction.atomic():
        assignment_hold(claim=Claim.objects.select_for_update().get(pk=verdict.claim_id), user=user)
        citation = Citation(
            verdict=verdict,
            candidate=candidate,
            url=url,
            title=title[:500],
            publisher=publisher[:200],
            quoted_passage=quoted_passage,
            accessed_at=timezone.now(),
            captured_text=captured_text,
            captured_sha256=hashlib.sha256(captured_text.encode("utf-8")).hexdigest() if captured_text else "",
            final_url=final_url,
            created_by=user,
        )
        citation._history_user = user
        citation.save()
        if candidate is not None and candidate.state != Candidate.State.CITED:
            Candidate.objects.filter(pk=candidate.pk).update(state=Candidate.State.CITED)
    return citation


def verdict_submit(*, verdict: Verdict, user) -> Verdict:
    """Hand the verdict to an editor: claim in_review -> awaiting_approval."""
    with transaction.atomic():
        claim = Claim.objects.select_for_update().get(pk=verdict.claim_id)
        verdict = Verdict.objects.select_for_update().get(pk=verdict.pk)
        if verdict.status == Verdict.Status.SUBMITTED:
            raise ReviewError("This verdict is already submitted for approval.", code="conflict")
        assignment_hold(claim=claim, user=user)
        verdict.claim = claim
        if verdict.rating_id is None:
            raise ReviewError("Pick a rating before submitting.", field="rating", code="required")
        if not verdict.explanation.strip():
            raise ReviewError("Explain the rating before submitting.", field="explanation", code="required")
        if not verdict.citations.exists():
            raise ReviewError("Cite at least one source before submitting.", field="citations", code="required")
        claim_transition(claim=verdict.claim, action="submit_for_approval", user=user, reason="verdict submitted")
        assignment_end(claim=verdict.claim, status=Assignment.Status.SUBMITTED)
        verdict.status = Verdict.Status.SUBMITTED
        verdict.reviewer = user  # who hands it over answers for it: they cannot approve it
        verdict.submitted_at = timezone.now()
        verdict.version += 1
        verdict._history_user = user
        verdict.save()
    return verdict


def verdict_approve(*, verdict: Verdict, editor) -> Verdict:
    """Publish the verdict. Nobody approves their own verdict."""
    with transaction.atomic():
        verdict = Verdict.objects.select_for_update(of=("self",)).select_related("claim", "rating").get(pk=verdict.pk)
        if verdict.reviewer_id == editor.pk:
            raise ReviewError("You cannot approve your own verdict; another editor must.", code="self_approval")
        if verdict.status != Verdict.Status.SUBMITTED:
            raise ReviewError(f"Only a submitted verdict can be approved; this one is '{verdict.get_status_display()}'.")
        claim_transition(claim=verdict.claim, action="publish", user=editor, reason="verdict approved")
        verdict.status = Verdict.Status.APPROVED
        verdict.approved_by = editor
        verdict.approved_at = timezone.now()
        verdict.version += 1
        verdict._history_user = editor
        verdict.save()
        _archive_verdict(verdict)
        _emit_verdict_event(verdict)
    return verdict


def _emit_verdict_event(verdict: Verdict) -> None:
    """verdict.published for a first approval, verdict.revised when a revision is approved."""
    event = WebhookEndpoint.Event.VERDICT_PUBLISHED if verdict.revision <= 1 else WebhookEndpoint.Event.VERDICT_REVISED
    webhook_event_emit(
        event=event, article=verdict.claim.article, dedupe_key=f"verdict:{verdict.pk}:{verdict.revision}",
        data={"verdict": {"id": verdict.pk, "claim": verdict.claim_id, "revision": verdict.revision,
                          "rating": verdict.rating.label if verdict.rating else None,
                          "rating_value": verdict.rating.value if verdict.rating else None,
                          "explanation": verdict.explanation, "revision_reason": verdict.revision_reason,
                          "approved_at": verdict.approved_at.isoformat() if verdict.approved_at else None,
                          "url": verdict_public_url(verdict), "api_path": f"/api/v1/claims/{verdict.claim_id}/verdict/"},
              "claim": {"id": verdict.claim_id, "text": verdict.claim.normalized_text}},
    )


def verdict_return(*, verdict: Verdict, editor, comment: str) -> Verdict:
    """Send the verdict back to the reviewer with a comment."""
    if not comment.strip():
        raise ReviewError("Say what the reviewer should change.", field="comment", code="blank")
    with transaction.atomic():
        verdict = Verdict.objects.select_for_update().select_related("claim").get(pk=verdict.pk)
        if verdict.status != Verdict.Status.SUBMITTED:
            raise ReviewError("Only a submitted verdict can be returned.")
        claim_transition(claim=verdict.claim, action="return_to_review", user=editor, reason=f"returned: {comment}")
        Assignment.objects.create(
            claim=verdict.claim, reviewer=verdict.reviewer, assigned_by=editor, lease_expires_at=timezone.now() + LEASE
        )
        verdict.status = Verdict.Status.RETURNED
        verdict.return_comment = comment
        verdict.version += 1
        verdict._history_user = editor
        verdict.save()
    return verdict


def _archive_verdict(verdict: Verdict) -> None:
    """Our published verdicts become documents the 'previously verified' provider finds."""
    claim = verdict.claim
    body = f"{claim.normalized_text}\n\nRating: {verdict.rating.label}.\n\n{verdict.explanation}"
    SourceDocument.objects.update_or_create(
        verdict=verdict,
        defaults={
            "kind": SourceDocument.Kind.ARCHIVE,
            "title": claim.normalized_text[:500],
            "body": body,
            "rating_label": verdict.rating.label,
            "url": verdict_public_url(verdict),
            "publisher": settings.FACTDESK_ORGANIZATION_NAME,
            "published_at": verdict.approved_at,
        },
    )


def verdict_public_url(verdict: Verdict) -> str:
    return f"{settings.FACTDESK_PUBLIC_BASE_URL.rstrip('/')}/verdicts/{verdict.pk}/"


def verdict_revise(*, verdict: Verdict, editor, reason: str) -> Verdict:
    """Reopen a published verdict as a new revision, with the reason in the audit history.

    The claim goes published -> in_review (``reopen_published``), the verdict
    becomes a draft again with ``revision`` bumped, and the original reviewer
    gets a fresh lease to work on it.
    """
    if not reason.strip():
        raise ReviewError("Say why the published verdict is being revised.", field="reason", code="blank")
    with transaction.atomic():
        verdict = Verdict.objects.select_for_update().select_related("claim").get(pk=verdict.pk)
        if verdict.status != Verdict.Status.APPROVED:
            raise ReviewError("Only a published verdict can be revised; edit the draft instead.")
        claim_transition(
            claim=verdict.claim, action="reopen_published", user=editor, reason=f"revision {verdict.revision + 1}: {reason}"
        )
        Assignment.objects.create(
            claim=verdict.claim, reviewer=verdict.reviewer, assigned_by=editor, lease_expires_at=timezone.now() + LEASE
        )
        verdict.status = Verdict.Status.DRAFT
        verdict.revision += 1
        verdict.revision_reason = reason
        verdict.version += 1
        verdict._history_user = editor
        verdict._change_reason = f"revision {verdict.revision}: {reason}"
        verdict.save()
    return verdict


# --- claim page actions -------------------------------------------------------------


def candidate_cite(*, candidate: Candidate, user, start: int | None = None, end: int | None = None) -> Citation:
    """Cite a candidate's suggested passage, or the ``start:end`` slice of its captured document.

    Offsets come from the reviewer's text selection in the browser; they must
    slice the stored document text, otherwise nothing is written.
    """
    document = candidate.document
    if start is None and end is None:
        quoted = candidate.passage or ""
        if not quoted.strip():
            raise ReviewError("This candidate has no suggested passage; select the text to cite in its source.")
    else:
        if start is None or end is None or not (0 <= start < end <= len(document.body)):
            raise ReviewError("The selection is outside the captured source text.", field="selection")
        quoted = document.body[start:end]
        if not quoted.strip():
            raise ReviewError("Select some text to cite.", field="selection", code="blank")
    with transaction.atomic():
        verdict = Verdict.objects.filter(claim_id=candidate.claim_id).first()
        if verdict is None:
            verdict = verdict_save(claim=candidate.claim, reviewer=user)
        return citation_add(verdict=verdict, user=user, quoted_passage=quoted, candidate=candidate,
                            final_url=getattr(document, "final_url", "") or "")


def candidate_dismiss(*, candidate: Candidate, user) -> Candidate:
    """Hide a suggestion that does not help; a cited candidate stays cited."""
    if candidate.state == Candidate.State.CITED:
        raise ReviewError("This candidate is cited in the verdict; it cannot be dismissed.")
    holder = Assignment.objects.select_related("reviewer").filter(claim_id=candidate.claim_id, status=Assignment.Status.ACTIVE).first()
    if holder is not None and holder.is_live() and holder.reviewer_id != user.pk:
        raise LeaseConflict(assignment=holder, verdict=None)
    Candidate.objects.filter(pk=candidate.pk).update(state=Candidate.State.DISMISSED)
    candidate.state = Candidate.State.DISMISSED
    return candidate


def note_add(*, claim: Claim, author, body: str):
    from reviewers.models import Note

    body = body.strip()
    if not body:
        raise ReviewError("The note is empty.", field="body", code="blank")
    return Note.objects.create(claim=claim, author=author, body=body)


MANUAL_PROVIDER = "added_by_reviewer"


def candidate_add_from_url(*, claim: Claim, url: str, user) -> Candidate:
    """Capture ``url`` through the safe fetcher and offer it on the claim as a candidate to cite from.

    The page's main text, final URL and sha256 are stored by the capture
    service (one document per canonical URL); a refused or failed fetch
    raises ReviewError with the fetcher's reason and writes nothing.
    """
    from claims.fetching import FetchError
    from claims.services.capture import source_capture_url

    if not (url or "").strip():
        raise ReviewError("Give the URL of the source.", field="url", code="blank")
    try:
        document = source_capture_url(url=url.strip(), by=user)  # network, outside any transaction
    except FetchError as exc:
        raise ReviewError(f"The page could not be captured: {exc}", field="url", code=exc.code) from None
    candidate, _ = Candidate.objects.get_or_create(
        claim=claim, document=document, defaults={"provider": MANUAL_PROVIDER, "score": 1.0, "rank": 0}
    )
    return candidate
