"""Reviewer workspace pages. Views are thin: they check access and call services/selectors."""
from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from claims.highlight import highlight_spans
from claims.models import Candidate, Claim
from claims.services.editing import ClaimEditConflict, claim_edit_wording
from reviewers import selectors, services
from reviewers.models import Rating, Verdict

REVIEW_GROUPS = ("Reviewers", "Editors")


def _groups(user) -> set[str]:
    """The user's group names, read once per request."""
    if not hasattr(user, "_desk_groups"):
        user._desk_groups = set(user.groups.values_list("name", flat=True))
    return user._desk_groups


def _require_desk(user) -> None:
    if not (user.is_superuser or _groups(user) & set(REVIEW_GROUPS)):
        raise PermissionDenied("Reviewer pages are for the Reviewers and Editors groups.")


def _is_editor(user) -> bool:
    return user.is_superuser or "Editors" in _groups(user)


def _require_editor(user) -> None:
    if not _is_editor(user):
        raise PermissionDenied("This page is for editors.")


def _int(value) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() else None


@login_required
def queue(request):
    _require_desk(request.user)
    article = _int(request.GET.get("article"))
    tag = request.GET.get("tag", "")[:100]
    mine = request.GET.get("mine") == "1"
    claims = selectors.queue_list(article_id=article, tag=tag, mine_of=request.user if mine else None)
    return render(
        request,
        "reviewers/queue.html",
        {"claims": claims, "filters": {"article": article or "", "tag": tag, "mine": mine}, "is_editor": _is_editor(request.user)},
    )


@login_required
@require_POST
def take_next(request):
    _require_desk(request.user)
    assignment = services.assignment_take_next(reviewer=request.user)
    if assignment is None:
        messages.info(request, "The queue is empty.")
        return redirect("reviewers:queue")
    messages.success(request, f"Claim {assignment.claim_id} is leased to you.")
    return redirect("reviewers:claim", claim_id=assignment.claim_id)


def _render_claim(request, claim_id: int, *, status: int = 200, **extra):
    try:
        data = selectors.claim_page(claim_id=claim_id)
    except Claim.DoesNotExist:
        raise Http404 from None
    claim = data.claim
    article_html = highlight_spans(claim.article.body, [(claim.span_start, claim.span_end, claim.pk)], active=claim.pk)
    lease = data.lease
    # Someone else's live lease: only they can change the verdict (services.assignment_hold), so no forms for it.
    leased_to_other = lease is not None and lease.is_live() and lease.reviewer_id != request.user.pk
    context = {"page": data, "claim": claim, "article_html": article_html, "is_editor": _is_editor(request.user),
               "lease": lease, "leased_to_other": leased_to_other,
               "can_work": (claim.status in (Claim.Status.READY_FOR_REVIEW, Claim.Status.IN_REVIEW) and not leased_to_other
                            and (data.verdict is None or data.verdict.status in (Verdict.Status.DRAFT, Verdict.Status.RETURNED))),
               **extra}
    return render(request, "reviewers/claim.html", context, status=status)


@login_required
def claim_page(request, claim_id: int):
    _require_desk(request.user)
    if request.method != "POST":
        return _render_claim(request, claim_id)
    claim = get_object_or_404(Claim, pk=claim_id)
    try:
        claim = claim_edit_wording(
            claim=claim,
            user=request.user,
            normalized_text=request.POST.get("normalized_text", ""),
            expected_version=_int(request.POST.get("version")) or 0,
            reason=request.POST.get("reason", ""),
        )
    except ClaimEditConflict as exc:
        return _render_claim(request, claim_id, status=409, conflict=exc, my_wording=request.POST.get("normalized_text", ""))
    except ValueError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Wording saved.")
    return redirect("reviewers:claim", claim_id=claim.pk)


def _action(request, claim_id: int, work, success: str):
    """Run one claim-page action; a ReviewError becomes a message, nothing half-done."""
    _require_desk(request.user)
    try:
        work()
    except services.ReviewError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, success)
    return redirect("reviewers:claim", claim_id=claim_id)


@login_required
@require_POST
def verdict_save(request, claim_id: int):
    _require_desk(request.user)
    claim = get_object_or_404(Claim, pk=claim_id)
    rating_id = _int(request.POST.get("rating"))
    rating = Rating.objects.filter(pk=rating_id).first() if rating_id else None
    try:
        services.verdict_save(
            claim=claim,
            reviewer=request.user,
            rating=rating,
            explanation=request.POST.get("explanation", ""),
            expected_version=_int(request.POST.get("verdict_version")),
        )
    except (services.VerdictConflict, services.LeaseConflict) as exc:
        return _render_claim(
            request, claim_id, status=409, verdict_conflict=exc,
            my_explanation=request.POST.get("explanation", ""), my_rating=rating,
        )
    except services.ReviewError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Verdict saved.")
    return redirect("reviewers:claim", claim_id=claim_id)


@login_required
@require_POST
def candidate_cite(request, claim_id: int, candidate_id: int):
    candidate = get_object_or_404(Candidate.objects.select_related("document", "claim"), pk=candidate_id, claim_id=claim_id)
    start, end = request.POST.get("start"), request.POST.get("end")
    selection = (_int(start), _int(end)) if (start or end) else (None, None)
    if (start or end) and None in selection:
        selection = (-1, -1)  # not numbers: refused by the service's range check
    return _action(
        request, claim_id,
        lambda: services.candidate_cite(candidate=candidate, user=request.user, start=selection[0], end=selection[1]),
        "Passage cited.",
    )


@login_required
@require_POST
def source_add(request, claim_id: int):
    claim = get_object_or_404(Claim, pk=claim_id)
    return _action(
        request, claim_id,
        lambda: services.candidate_add_from_url(claim=claim, url=request.POST.get("url", ""), user=request.user),
        "Source captured; select the passage to cite in its text below.",
    )


@login_required
@require_POST
def candidate_dismiss(request, claim_id: int, candidate_id: int):
    candidate = get_object_or_404(Candidate, pk=candidate_id, claim_id=claim_id)
    return _action(request, claim_id, lambda: services.candidate_dismiss(candidate=candidate, user=request.user), "Candidate dismissed.")


@login_required
@require_POST
def verdict_submit(request, claim_id: int):
    verdict = get_object_or_404(Verdict, claim_id=claim_id)
    return _action(request, claim_id, lambda: services.verdict_submit(verdict=verdict, user=request.user), "Submitted for approval.")


@login_required
@require_POST
def note_add(request, claim_id: int):
    claim = get_object_or_404(Claim, pk=claim_id)
    return _action(
        request, claim_id, lambda: services.note_add(claim=claim, author=request.user, body=request.POST.get("body", "")), "Note added."
    )


@login_required
def provider_status(request, claim_id: int):
    """The fragment the claim page polls while providers are still running."""
    _require_desk(request.user)
    runs = selectors.provider_runs(claim_id=claim_id)
    return render(request, "reviewers/_providers.html", {"runs": runs, "claim_id": claim_id,
                                                         "running": any(r.status in ("pending", "running") for r in runs)})


# --- editors ---------------------------------------------------------------------------


@login_required
def approvals(request):
    _require_editor(request.user)
    return render(request, "reviewers/approvals.html", {"verdicts": selectors.approvals_list()})


def _editor_action(request, claim_id: int, work, success: str):
    _require_editor(request.user)
    return _action(request, claim_id, work, success)


@login_required
@require_POST
def verdict_approve(request, claim_id: int):
    verdict = get_object_or_404(Verdict, claim_id=claim_id)
    return _editor_action(request, claim_id, lambda: services.verdict_approve(verdict=verdict, editor=request.user), "Verdict approved and published.")


@login_required
@require_POST
def verdict_return(request, claim_id: int):
    verdict = get_object_or_404(Verdict, claim_id=claim_id)
    return _editor_action(
        request, claim_id,
        lambda: services.verdict_return(verdict=verdict, editor=request.user, comment=request.POST.get("comment", "")),
        "Verdict returned to the reviewer.",
    )


@login_required
@require_POST
def verdict_revise(request, claim_id: int):
    verdict = get_object_or_404(Verdict, claim_id=claim_id)
    return _editor_action(
        request, claim_id,
        lambda: services.verdict_revise(verdict=verdict, editor=request.user, reason=request.POST.get("reason", "")),
        "A new revision is open for editing.",
    )


@login_required
@require_POST
def claim_merge(request, claim_id: int):
    from claims.services.curation import claim_merge as merge

    keep = get_object_or_404(Claim, pk=claim_id)
    ids = [int(x) for x in request.POST.get("duplicates", "").replace(",", " ").split() if x.isdigit()]
    duplicates = list(Claim.objects.filter(pk__in=ids))
    if len(duplicates) != len(set(ids)):
        duplicates.append(Claim(pk=0))  # an unknown id: the service names it
    return _curation(request, claim_id, lambda: merge(keep=keep, duplicates=duplicates, user=request.user),
                     f"Merged claim(s) {', '.join(map(str, ids))} into this one.")


@login_required
@require_POST
def claim_split(request, claim_id: int):
    from claims.services.curation import claim_split as split

    claim = get_object_or_404(Claim, pk=claim_id)
    parts = request.POST.get("parts", "").splitlines()
    _require_editor(request.user)
    from claims.services.curation import CurationError

    try:
        created = split(claim=claim, parts=parts, user=request.user)
    except CurationError as exc:
        messages.error(request, str(exc))
        return redirect("reviewers:claim", claim_id=claim_id)
    messages.success(request, f"Split into claims {', '.join(str(c.pk) for c in created)}; their sources are being gathered.")
    return redirect("reviewers:claim", claim_id=created[0].pk)


@login_required
@require_POST
def claim_reject(request, claim_id: int):
    from claims.services.curation import claim_reject_not_checkworthy

    claim = get_object_or_404(Claim, pk=claim_id)
    return _curation(request, claim_id,
                     lambda: claim_reject_not_checkworthy(claim=claim, user=request.user, detail=request.POST.get("detail", "")),
                     "Rejected as not check-worthy.")


@login_required
@require_POST
def claim_reassign(request, claim_id: int):
    from django.contrib.auth import get_user_model

    from claims.services.claim_actions import claim_reassign as reassign

    _require_editor(request.user)
    user = get_user_model().objects.filter(username=request.POST.get("username", "").strip()).first()
    if user is None:
        messages.error(request, "No such user.")
        return redirect("reviewers:claim", claim_id=claim_id)
    return _curation(request, claim_id, lambda: reassign(claim_id=claim_id, reviewer=user, editor=request.user),
                     f"Claim {claim_id} is now leased to {user.get_username()}.")


def _curation(request, claim_id: int, work, success: str):
    from claims.services.curation import CurationError
    from claims.services.lifecycle import ClaimTransitionError

    _require_editor(request.user)
    try:
        work()
    except (CurationError, ClaimTransitionError, services.ReviewError) as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, success)
    return redirect("reviewers:claim", claim_id=claim_id)


@login_required
def dashboard(request):
    _require_editor(request.user)
    return render(request, "reviewers/dashboard.html", {"charts": selectors.dashboard(), "is_editor": True})


# --- public -----------------------------------------------------------------------------


# <, > and & only occur inside JSON strings, so \u escapes keep it valid JSON that cannot close the <script>.
_JSON_IN_SCRIPT = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def verdict_public(request, verdict_id: int):
    """/verdicts/<id>/: a published verdict for anyone, with its ClaimReview markup; a never-published one is a 404."""
    try:
        verdict = selectors.verdict_public(verdict_id=verdict_id)
    except Verdict.DoesNotExist:
        raise Http404("No published verdict here.") from None
    claim_review = json.dumps({"@context": "https://schema.org", **verdict.claim_review()}, ensure_ascii=False)
    return render(request, "reviewers/verdict_public.html", {
        "verdict": verdict,
        "claim_review_json": mark_safe(claim_review.translate(_JSON_IN_SCRIPT)),  # escaped just above
        "canonical_url": services.verdict_public_url(verdict),
    })
