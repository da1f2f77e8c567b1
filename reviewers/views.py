"""Reviewer workspace pages. Views are thin: they check access and call services/selectors."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from reviewers import selectors, services

REVIEW_GROUPS = ("Reviewers", "Editors")


def _require_desk(user) -> None:
    if not (user.is_superuser or user.groups.filter(name__in=REVIEW_GROUPS).exists()):
        raise PermissionDenied("Reviewer pages are for the Reviewers and Editors groups.")


@login_required
def queue(request):
    _require_desk(request.user)
    article = request.GET.get("article")
    claims = selectors.queue_list(article_id=int(article) if article and article.isdigit() else None)
    return render(request, "reviewers/queue.html", {"claims": claims})


@login_required
@require_POST
def take_next(request):
    _require_desk(request.user)
    assignment = services.assignment_take_next(reviewer=request.user)
    if assignment is None:
        messages.info(request, "The queue is empty.")
    else:
        messages.success(request, f"Claim {assignment.claim_id} is leased to you.")
    return redirect("reviewers:queue")


@login_required
def claim_page(request, claim_id: int):
    from django.http import Http404

    from claims.highlight import highlight_spans
    from claims.models import Claim
    from claims.services.editing import ClaimEditConflict, claim_edit_wording

    _require_desk(request.user)
    try:
        claim = selectors.claim_for_page(claim_id=claim_id)
    except Claim.DoesNotExist:
        raise Http404 from None
    conflict = None
    if request.method == "POST":
        try:
            claim = claim_edit_wording(
                claim=claim,
                user=request.user,
                normalized_text=request.POST.get("normalized_text", ""),
                expected_version=int(request.POST.get("version", "0") or 0),
                reason=request.POST.get("reason", ""),
            )
            messages.success(request, "Wording saved.")
            return redirect("reviewers:claim", claim_id=claim.pk)
        except ClaimEditConflict as exc:
            conflict = exc
            claim = exc.current
        except ValueError as exc:
            messages.error(request, str(exc))
    article_html = highlight_spans(claim.article.body, [(claim.span_start, claim.span_end, claim.pk)], active=claim.pk)
    return render(request, "reviewers/claim.html", {"claim": claim, "article_html": article_html, "conflict": conflict})
