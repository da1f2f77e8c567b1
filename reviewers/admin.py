"""Rating scales and verdicts in the admin. Saves and moves go through reviewers.services."""
from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from simple_history.admin import SimpleHistoryAdmin

from claims.models import Candidate, Claim
from claims.services.lifecycle import ClaimTransitionError
from reviewers.models import Assignment, Citation, Rating, RatingScale, Verdict
from reviewers.services import ReviewError, citation_add, verdict_approve, verdict_save, verdict_submit


class RatingInline(admin.TabularInline):
    model = Rating
    extra = 1


@admin.register(RatingScale)
class RatingScaleAdmin(admin.ModelAdmin):
    list_display = ["name", "best_rating", "worst_rating", "is_default"]
    inlines = [RatingInline]


class CitationInline(admin.StackedInline):
    model = Citation
    fields = ["candidate", "url", "title", "publisher", "quoted_passage", "accessed_at", "captured_sha256"]
    readonly_fields = ["accessed_at", "captured_sha256"]
    extra = 1
    can_delete = False
    raw_id_fields = ["candidate"]


class VerdictForm(forms.ModelForm):
    class Meta:
        model = Verdict
        fields = ["claim", "rating", "explanation"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "claim" in self.fields:
            self.fields["claim"].queryset = Claim.objects.filter(
                status__in=[Claim.Status.READY_FOR_REVIEW, Claim.Status.IN_REVIEW], verdict__isnull=True
            ).select_related("article")


@admin.register(Verdict)
class VerdictAdmin(SimpleHistoryAdmin):
    form = VerdictForm
    list_display = ["claim", "rating", "status", "reviewer", "approved_by", "approved_at", "revision"]
    list_filter = ["status", "rating"]
    search_fields = ["claim__normalized_text", "explanation"]
    list_select_related = ["claim", "rating", "reviewer", "approved_by"]
    inlines = [CitationInline]
    actions = ["submit_for_approval", "approve"]

    def get_readonly_fields(self, request, obj=None):
        fixed = ["status", "reviewer", "approved_by", "approved_at", "revision"]
        if obj is None:
            return fixed
        if obj.status == Verdict.Status.APPROVED:
            return ["claim", "rating", "explanation", *fixed]
        return ["claim", *fixed]

    def save_model(self, request, obj, form, change):
        try:
            saved = verdict_save(
                claim=form.cleaned_data.get("claim") or obj.claim,
                reviewer=request.user,  # the person saving: the lease rule applies to them, not to the verdict's author
                rating=form.cleaned_data.get("rating"),
                explanation=form.cleaned_data.get("explanation", ""),
            )
        except (ReviewError, ClaimTransitionError) as exc:
            self.message_user(request, str(exc), messages.ERROR)
            request._verdict_refused = True
            return
        obj.pk = saved.pk
        obj.refresh_from_db()

    # A refused save (the claim is leased to someone else, the verdict is locked...) must not
    # also be reported as saved: back to the form, with only the refusal's message.
    def response_add(self, request, obj, post_url_continue=None):
        if getattr(request, "_verdict_refused", False):
            return HttpResponseRedirect(request.path)
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        if getattr(request, "_verdict_refused", False):
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)

    def save_formset(self, request, form, formset, change):
        # The admin's change message reads these lists; citations are only ever added, through citation_add.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        if formset.model is not Citation or form.instance.pk is None:
            return
        for inline_form in formset.forms:
            data = getattr(inline_form, "cleaned_data", None)
            if not data or data.get("DELETE") or inline_form.instance.pk or not data.get("quoted_passage"):
                continue
            candidate: Candidate | None = data.get("candidate")
            try:
                citation = citation_add(
                    verdict=form.instance, user=request.user, quoted_passage=data["quoted_passage"],
                    candidate=candidate, url=data.get("url", ""), title=data.get("title", ""),
                    publisher=data.get("publisher", ""),
                )
            except ReviewError as exc:
                self.message_user(request, str(exc), messages.ERROR)
            else:
                formset.new_objects.append(citation)

    def _each(self, request, queryset, action, done):
        ok = 0
        for verdict in queryset:
            try:
                action(verdict)
                ok += 1
            except (ReviewError, ClaimTransitionError) as exc:
                self.message_user(request, str(exc), messages.ERROR)
        if ok:
            self.message_user(request, done.format(n=ok), messages.SUCCESS)

    @admin.action(description="Submit for approval")
    def submit_for_approval(self, request, queryset):
        self._each(request, queryset, lambda v: verdict_submit(verdict=v, user=request.user), "{n} verdict(s) submitted.")

    @admin.action(description="Approve and publish", permissions=["approve"])
    def approve(self, request, queryset):
        self._each(request, queryset, lambda v: verdict_approve(verdict=v, editor=request.user), "{n} verdict(s) published.")

    def has_approve_permission(self, request):
        return request.user.has_perm("reviewers.approve_verdict")


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ["claim", "reviewer", "status", "lease_expires_at", "created_at"]
    list_filter = ["status"]
    list_select_related = ["claim", "reviewer"]
