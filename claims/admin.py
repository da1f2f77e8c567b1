"""The editors' admin. Every write goes through a service; refused moves show their reason."""
from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.db.models import Count, Q
from django.shortcuts import render
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from claims.highlight import highlight_spans
from claims.models import (
    ApiClient, ApiToken, Article, Candidate, Claim, ProviderRun, SourceDocument, WebhookDelivery, WebhookEndpoint, ClaimSet,
)
from claims.services.articles import ArticleError, article_ingest, article_validate_body
from claims.services.editing import ClaimEditConflict, claim_edit_wording, claim_plan
from claims.services.extraction import article_extraction_retry
from claims.services.gathering import claim_gathering_start
from claims.services.lifecycle import ClaimTransitionError, claim_reject
from claims.services.webhooks import webhook_delivery_replay, webhook_secret_new
from reviewers.services import ReviewError, assignment_lease


class ClaimInline(admin.TabularInline):
    model = Claim
    fields = ["link", "normalized_text", "status", "score", "span_start", "span_end"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True
    ordering = ["span_start"]

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description="claim")
    def link(self, claim):
        return f"#{claim.pk}"


class ArticleForm(forms.ModelForm):
    class Meta:
        model = Article
        fields = ["headline", "byline", "url", "published_at", "language", "body"]

    def clean_body(self):
        body = self.cleaned_data["body"]
        if self.instance.pk is None:
            try:
                article_validate_body(body)
            except ArticleError as exc:
                raise forms.ValidationError(str(exc), code=exc.code) from None
        return body


@admin.register(Article)
class ArticleAdmin(SimpleHistoryAdmin):
    form = ArticleForm
    list_display = ["headline", "status", "client", "published_at", "claim_count", "created_at"]
    list_filter = ["status", "language", "client"]
    search_fields = ["headline", "external_id", "byline"]
    date_hierarchy = "created_at"
    inlines = [ClaimInline]
    actions = ["retry_extraction"]
    readonly_fields = ["status", "external_id", "client", "content_hash", "error", "highlighted_body", "processed_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("client").annotate(
            n_claims=Count("claims", filter=~Q(claims__status=Claim.Status.REJECTED))
        )

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["headline", "byline", "url", "published_at", "language", "body"]
        return ["headline", "byline", "url", "published_at", "language", "status", "external_id", "client",
                "content_hash", "processed_at", "error", "highlighted_body"]

    def get_readonly_fields(self, request, obj=None):
        # The body of a stored article is not edited in place: claims point into it.
        return self.readonly_fields + (["language"] if obj else [])

    @admin.display(description="claims", ordering="n_claims")
    def claim_count(self, article):
        return article.n_claims

    @admin.display(description="body, claims highlighted")
    def highlighted_body(self, article):
        spans = article.claims.exclude(status=Claim.Status.REJECTED).values_list("span_start", "span_end", "id")
        return format_html('<div class="factdesk-article" style="max-width:60em;line-height:1.5">{}</div>',
                           highlight_spans(article.body, spans))

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        result = article_ingest(created_by=request.user, **{f: form.cleaned_data[f] for f in self.get_fields(request)})
        obj.pk = result.article.pk

    def save_related(self, request, form, formsets, change):
        if change:
            super().save_related(request, form, formsets, change)

    @admin.action(description="Retry extraction of failed articles")
    def retry_extraction(self, request, queryset):
        retried = [a.pk for a in queryset if article_extraction_retry(article_id=a.pk)]
        skipped = queryset.count() - len(retried)
        if retried:
            self.message_user(request, f"Extraction queued again for {len(retried)} article(s).", messages.SUCCESS)
        if skipped:
            self.message_user(request, f"{skipped} article(s) had not failed and were left alone.", messages.WARNING)


class CandidateInline(admin.TabularInline):
    model = Candidate
    fields = ["rank", "provider", "match_level", "document", "score", "state", "passage"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["rank"]

    def has_add_permission(self, request, obj=None):
        return False


class ProviderRunInline(admin.TabularInline):
    model = ProviderRun
    fields = ["provider", "status", "attempts", "candidates_found", "error", "finished_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class ScoreBandFilter(admin.SimpleListFilter):
    title = "check-worthiness"
    parameter_name = "score"
    bands = {"high": (0.75, 1.01), "medium": (0.5, 0.75), "low": (0.0, 0.5)}

    def lookups(self, request, model_admin):
        return [("high", "High (≥ 0.75)"), ("medium", "Medium (0.5–0.75)"), ("low", "Low (< 0.5)")]

    def queryset(self, request, queryset):
        if self.value() in self.bands:
            low, high = self.bands[self.value()]
            return queryset.filter(score__gte=low, score__lt=high)
        return queryset


class AssignForm(forms.Form):
    reviewer = forms.ModelChoiceField(queryset=get_user_model().objects.none())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reviewer"].queryset = get_user_model().objects.filter(
            groups__name__in=["Reviewers", "Editors"], is_active=True
        ).distinct().order_by("username")


class RejectForm(forms.Form):
    reason = forms.CharField(initial="not check-worthy", max_length=300)


class ClaimAdminForm(forms.ModelForm):
    """Wording and planning edits go through the editing services, with the claim's version as a guard."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput)

    class Meta:
        model = Claim
        fields = ["normalized_text", "priority", "deadline"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["expected_version"].initial = self.instance.version

    def clean(self):
        data = super().clean()
        current = Claim.objects.filter(pk=self.instance.pk).values_list("version", "normalized_text").first()
        if current and "normalized_text" in self.changed_data and current[0] != data.get("expected_version"):
            raise forms.ValidationError(
                f"Someone changed this claim since you opened it; it now reads {current[1]!r}. Nothing was saved: "
                "reload the page and reapply your change."
            )
        return data


@admin.register(Claim)
class ClaimAdmin(SimpleHistoryAdmin):
    form = ClaimAdminForm
    list_display = ["short_text", "article", "status", "score", "rating", "priority", "updated_at"]
    list_filter = ["status", ScoreBandFilter, ("verdict__rating", admin.RelatedOnlyFieldListFilter), "origin", "created_at", "article"]
    search_fields = ["normalized_text", "text", "article__headline"]
    list_select_related = ["article", "verdict__rating"]
    inlines = [ProviderRunInline, CandidateInline]
    actions = ["assign_to_reviewer", "reject_not_checkworthy", "rerun_gathering"]
    fields = ["article", "status", "normalized_text", "text", "span", "score", "score_reason", "tags",
              "resolved_dates", "priority", "deadline", "rejection_reason", "origin", "in_context", "expected_version"]
    readonly_fields = ["article", "status", "text", "span", "score", "score_reason", "tags", "resolved_dates",
                       "rejection_reason", "origin", "in_context"]

    def has_add_permission(self, request):
        return False

    def save_model(self, request, obj, form, change):
        # Never a plain save: wording goes through claim_edit_wording (versioned), planning through claim_plan.
        claim = Claim.objects.get(pk=obj.pk)
        if "normalized_text" in form.changed_data:
            try:
                claim = claim_edit_wording(claim=claim, user=request.user, normalized_text=obj.normalized_text,
                                           expected_version=form.cleaned_data["expected_version"], reason="edited in the admin")
            except ClaimEditConflict as exc:
                self.message_user(request, str(exc), messages.ERROR)
                return
        if {"priority", "deadline"} & set(form.changed_data):
            claim_plan(claim=claim, user=request.user, priority=obj.priority, deadline=obj.deadline)

    @admin.display(description="claim")
    def short_text(self, claim):
        return claim.normalized_text[:100]

    @admin.display(description="rating")
    def rating(self, claim):
        verdict = getattr(claim, "verdict", None)
        return verdict.rating if verdict and verdict.rating else "—"

    @admin.display(description="span")
    def span(self, claim):
        return f"{claim.span_start}–{claim.span_end}"

    @admin.display(description="in the article")
    def in_context(self, claim):
        body = claim.article.body
        start, end = max(0, claim.span_start - 300), min(len(body), claim.span_end + 300)
        excerpt = body[start:end]
        return format_html('<div style="max-width:60em;line-height:1.5">…{}…</div>',
                           highlight_spans(excerpt, [(claim.span_start - start, claim.span_end - start, claim.pk)]))

    def _each(self, request, queryset, action, done):
        ok = 0
        for claim in queryset:
            try:
                action(claim)
                ok += 1
            except (ClaimTransitionError, ReviewError) as exc:
                self.message_user(request, str(exc), messages.ERROR)
        if ok:
            self.message_user(request, done.format(n=ok), messages.SUCCESS)

    @admin.action(description="Assign to a reviewer")
    def assign_to_reviewer(self, request, queryset):
        form = AssignForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            reviewer = form.cleaned_data["reviewer"]
            self._each(request, queryset, lambda c: assignment_lease(claim=c, reviewer=reviewer, assigned_by=request.user),
                       f"{{n}} claim(s) assigned to {reviewer}.")
            return None
        return render(request, "admin/claims/assign.html", {
            **self.admin_site.each_context(request), "claims": queryset, "form": form,
            "action": "assign_to_reviewer", "title": "Assign claims to a reviewer", "opts": self.model._meta,
        })

    @admin.action(description="Reject as not check-worthy")
    def reject_not_checkworthy(self, request, queryset):
        self._each(request, queryset, lambda c: claim_reject(claim=c, user=request.user, reason="not check-worthy"),
                   "{n} claim(s) rejected as not check-worthy.")

    @admin.action(description="Re-run source gathering")
    def rerun_gathering(self, request, queryset):
        started = 0
        for claim in queryset:
            if claim_gathering_start(claim_id=claim.pk, user=request.user, rerun=True):
                started += 1
            else:
                self.message_user(request, f"Claim {claim.pk} is '{claim.get_status_display()}': sources are only "
                                  "gathered for new, failed or ready claims.", messages.ERROR)
        if started:
            self.message_user(request, f"Gathering restarted for {started} claim(s).", messages.SUCCESS)


@admin.register(SourceDocument)
class SourceDocumentAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "publisher", "published_at", "rating_label"]
    list_filter = ["kind", "publisher"]
    search_fields = ["title", "body", "url"]
    readonly_fields = ["content_hash", "verdict", "created_at", "updated_at"]


class ApiTokenInline(admin.TabularInline):
    model = ApiToken
    fields = ["prefix", "label", "scopes", "created_at", "expires_at", "revoked_at", "last_used_at"]
    readonly_fields = ["prefix", "scopes", "created_at", "last_used_at"]
    extra = 0

    def has_add_permission(self, request, obj=None):
        return False  # keys are issued with `manage.py issue_token`, which shows the key once


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "is_active", "created_at"]
    inlines = [ApiTokenInline]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Every token at a glance, with a bulk revoke. Keys are issued by `manage.py issue_token` only."""

    list_display = ["prefix", "client", "label", "scopes", "expires_at", "revoked_at", "last_used_at"]
    list_filter = ["client"]
    search_fields = ["prefix", "label", "client__name"]
    readonly_fields = ["client", "prefix", "key_hash", "scopes", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Revoke selected tokens (they stop working at once)")
    def revoke(self, request, queryset):
        from claims.services.tokens import tokens_revoke

        changed = tokens_revoke(token_ids=queryset.values_list("pk", flat=True))
        self.message_user(request, f"{changed} token(s) revoked.")


class WebhookEndpointForm(forms.ModelForm):
    events = forms.MultipleChoiceField(
        choices=WebhookEndpoint.Event.choices, required=False, widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: every event.",
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["client", "url", "events", "is_active"]

    def clean_url(self):
        from claims.fetching import FetchError
        from claims.services.webhooks import webhook_url_check

        url = self.cleaned_data["url"]
        try:
            webhook_url_check(url)
        except FetchError as exc:
            raise forms.ValidationError(
                f"{exc} Webhooks are only sent to public http(s) addresses; a receiver on an internal "
                "network must be listed in FACTDESK_WEBHOOK_ALLOW_HOSTS (host:port).",
                code=exc.code,
            ) from None
        return url


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    form = WebhookEndpointForm
    list_display = ["client", "url", "events", "is_active", "created_at"]
    list_filter = ["is_active", "client"]
    readonly_fields = ["secret", "created_at"]

    def get_fields(self, request, obj=None):
        return ["client", "url", "events", "is_active"] + (["secret", "created_at"] if obj else [])

    def save_model(self, request, obj, form, change):
        if not obj.secret:
            obj.secret = webhook_secret_new()
        super().save_model(request, obj, form, change)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ["event", "endpoint", "status", "attempts", "response_code", "next_attempt_at", "delivered_at", "created_at"]
    list_filter = ["status", "event", "endpoint__client"]
    list_select_related = ["endpoint__client"]
    readonly_fields = ["endpoint", "event", "event_id", "dedupe_key", "payload", "status", "attempts", "response_code",
                       "last_error", "next_attempt_at", "locked_until", "delivered_at", "created_at"]
    actions = ["replay"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Replay (send again, same delivery id)")
    def replay(self, request, queryset):
        for delivery in queryset:
            webhook_delivery_replay(delivery=delivery)
        self.message_user(request, f"{queryset.count()} delivery(ies) queued again.", messages.SUCCESS)


@admin.register(ClaimSet)
class ClaimSetAdmin(admin.ModelAdmin):
    """Read-only: sets are created through the API (or export_claims); the frozen items never change."""

    list_display = ["name", "status", "progress", "total", "creator", "created_at", "frozen_at"]
    list_filter = ["status"]
    list_select_related = ["creator"]
    readonly_fields = ["name", "filters", "creator", "status", "total", "progress", "error", "content_hash",
                       "created_at", "frozen_at", "heartbeat_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
