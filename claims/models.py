"""Articles, claims, source documents and candidate sources.

A claim's ``status`` is a protected state field: it can only change through the
transition methods below, and those are only called by
``claims.services.lifecycle``. Assigning ``claim.status = ...`` raises.
"""
from __future__ import annotations

import hashlib
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from simple_history.models import HistoricalRecords


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class ApiClient(models.Model):
    """A system that talks to the API (a CMS, a partner). Acts as its user."""

    name = models.CharField(max_length=100, unique=True)
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_client")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ApiToken(models.Model):
    """A bearer token. Only its SHA-256 is stored; the key is shown once."""

    class Scope(models.TextChoices):
        INGEST = "ingest", "Ingest articles"
        READ = "read", "Read articles and claims"
        REVIEW = "review", "Write verdicts"
        EXPORT = "export", "Export claim sets"
        ADMIN = "admin", "Editor actions"

    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="tokens")
    label = models.CharField(max_length=100, blank=True)
    prefix = models.CharField(max_length=16, db_index=True, help_text="First characters of the key, to recognise it.")
    key_hash = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.client})"

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes or self.Scope.ADMIN in self.scopes


class Article(models.Model):
    class Status(models.TextChoices):
        RECEIVED = "received", "Received"
        EXTRACTING = "extracting", "Extracting claims"
        PROCESSED = "processed", "Claims extracted"
        FAILED = "failed", "Extraction failed"

    client = models.ForeignKey(ApiClient, null=True, blank=True, on_delete=models.PROTECT, related_name="articles")
    external_id = models.CharField(max_length=200, null=True, blank=True, help_text="The CMS's own id.")
    url = models.URLField(max_length=1000, blank=True)
    headline = models.CharField(max_length=500)
    byline = models.CharField(max_length=300, blank=True)
    body = models.TextField()
    published_at = models.DateTimeField(null=True, blank=True)
    language = models.CharField(max_length=12, default="en")
    content_hash = models.CharField(max_length=64, editable=False)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.RECEIVED, db_index=True)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Bumped by every update through the API (claims.services.revisions); each body is kept in ArticleRevision.
    revision = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "external_id"],
                condition=Q(external_id__isnull=False),
                name="article_external_id_unique_per_client",
            ),
            # A NULL client is distinct from every other in the constraint above, so articles
            # without a client (session users, admin, load_demo) share one namespace of their own.
            models.UniqueConstraint(
                fields=["external_id"],
                condition=Q(external_id__isnull=False) & Q(client__isnull=True),
                name="article_external_id_unique_without_client",
            ),
        ]

    def __str__(self) -> str:
        return self.headline

    def save(self, *args, **kwargs):
        self.content_hash = sha256_text(self.body)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("api:article-detail", kwargs={"pk": self.pk})


class Claim(ConcurrentTransitionMixin, models.Model):
    class Status(models.TextChoices):
        NEW = "new", "New"
        GATHERING = "gathering", "Gathering sources"
        GATHERING_FAILED = "gathering_failed", "Gathering failed"
        READY_FOR_REVIEW = "ready_for_review", "Ready for review"
        IN_REVIEW = "in_review", "In review"
        AWAITING_APPROVAL = "awaiting_approval", "Awaiting approval"
        PUBLISHED = "published", "Published"
        REJECTED = "rejected", "Rejected"
        # The article's current revision no longer contains the claim's text.
        STALE = "stale", "Stale (text gone from the article)"

    class Origin(models.TextChoices):
        PIPELINE = "pipeline", "Extraction pipeline"
        EDITOR = "editor", "Editor"

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="claims")
    text = models.TextField(help_text="The claim as stated: exactly article.body[span_start:span_end].")
    normalized_text = models.TextField(help_text="Decontextualized wording that reviewers see and search with.")
    span_start = models.PositiveIntegerField()
    span_end = models.PositiveIntegerField()
    score = models.FloatField(default=0.0, help_text="Check-worthiness in [0, 1].")
    score_reason = models.TextField(blank=True)
    tags = models.JSONField(default=list, blank=True)
    entities = models.JSONField(default=list, blank=True)
    resolved_dates = models.JSONField(default=list, blank=True)
    fingerprint = models.CharField(max_length=64, blank=True, db_index=True)
    status = FSMField(default=Status.NEW, choices=Status.choices, protected=True, db_index=True)
    status_changed_at = models.DateTimeField(auto_now_add=True)
    rejection_reason = models.CharField(max_length=300, blank=True)
    priority = models.IntegerField(default=0, help_text="Higher is reviewed first.")
    deadline = models.DateTimeField(null=True, blank=True)
    origin = models.CharField(max_length=10, choices=Origin.choices, default=Origin.PIPELINE)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Optimistic concurrency for edits of the wording (normalized_text, tags, priority):
    # an edit carries the version it was made from and is refused if the claim moved on.
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["article_id", "span_start", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(span_end__gt=models.F("span_start")), name="claim_span_not_empty"),
            models.CheckConstraint(condition=Q(score__gte=0) & Q(score__lte=1), name="claim_score_in_unit_range"),
            # Re-running extraction must not create a second copy of a claim.
            # Stale claims keep the spans of an older revision, so they are left out.
            models.UniqueConstraint(
                fields=["article", "span_start", "span_end"],
                condition=Q(origin="pipeline") & ~Q(status="stale"),
                name="claim_pipeline_span_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-priority", "-score"]),
            # The API's claims list (cursor pagination, newest change first): a page is an index
            # range, not a sort of every claim.
            models.Index(fields=["-updated_at", "-id"], name="claim_updated_id_idx"),
        ]

    def __str__(self) -> str:
        return self.normalized_text[:80]

    # Transitions. They only change the state; the service layer wraps them in
    # a transaction and does the side effects (see claims/services/lifecycle.py).
    S = Status

    @transition(field=status, source=[S.NEW, S.GATHERING_FAILED, S.READY_FOR_REVIEW, S.GATHERING], target=S.GATHERING)
    def start_gathering(self):
        pass

    @transition(field=status, source=S.GATHERING, target=S.READY_FOR_REVIEW)
    def finish_gathering(self):
        pass

    @transition(field=status, source=S.GATHERING, target=S.GATHERING_FAILED)
    def fail_gathering(self):
        pass

    @transition(field=status, source=S.READY_FOR_REVIEW, target=S.IN_REVIEW)
    def start_review(self):
        pass

    @transition(field=status, source=S.IN_REVIEW, target=S.READY_FOR_REVIEW)
    def release_review(self):
        pass

    @transition(field=status, source=S.IN_REVIEW, target=S.AWAITING_APPROVAL)
    def submit_for_approval(self):
        pass

    @transition(field=status, source=S.AWAITING_APPROVAL, target=S.IN_REVIEW)
    def return_to_review(self):
        pass

    @transition(field=status, source=S.AWAITING_APPROVAL, target=S.PUBLISHED)
    def publish(self):
        pass

    @transition(field=status, source=S.PUBLISHED, target=S.IN_REVIEW)
    def reopen_published(self):
        pass

    @transition(
        field=status,
        source=[S.NEW, S.GATHERING, S.GATHERING_FAILED, S.READY_FOR_REVIEW, S.IN_REVIEW, S.AWAITING_APPROVAL],
        target=S.REJECTED,
    )
    def reject(self):
        pass

    @transition(field=status, source=S.REJECTED, target=S.NEW)
    def restore(self):
        pass

    @transition(
        field=status,
        source=[
            S.NEW, S.GATHERING, S.GATHERING_FAILED, S.READY_FOR_REVIEW, S.IN_REVIEW,
            S.AWAITING_APPROVAL, S.PUBLISHED, S.REJECTED,
        ],
        target=S.STALE,
    )
    def mark_stale(self):
        pass

    del S


class ArticleRevision(models.Model):
    """One body an article has had. Revision 1 is the body first ingested."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    headline = models.CharField(max_length=500)
    body = models.TextField()
    content_hash = models.CharField(max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["article_id", "number"]
        constraints = [models.UniqueConstraint(fields=["article", "number"], name="article_revision_unique")]

    def __str__(self) -> str:
        return f"{self.article_id} r{self.number}"


class IdempotencyKey(models.Model):
    """A write replayed by its ``Idempotency-Key`` header gets the stored answer, not a second write.

    Keys are scoped per user (each API client acts as one user) and expire
    after ``FACTDESK_IDEMPOTENCY_KEY_SECONDS``.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    request_hash = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField()
    response_body = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_unique_per_user")]

    def __str__(self) -> str:
        return f"{self.key} ({self.method} {self.path})"


class SourceDocument(models.Model):
    """A document that can back or refute a claim."""

    class Kind(models.TextChoices):
        REFERENCE = "reference", "Reference corpus"
        ARCHIVE = "archive", "Our published verdict"
        FACTCHECK = "factcheck", "Imported fact-check"
        WEB = "web", "Web page"

    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.REFERENCE, db_index=True)
    title = models.CharField(max_length=500)
    url = models.URLField(max_length=1000, blank=True)
    publisher = models.CharField(max_length=200, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    language = models.CharField(max_length=12, default="en")
    body = models.TextField()
    # For fact-checks and our archive: the verdict this document reports.
    rating_label = models.CharField(max_length=100, blank=True)
    verdict = models.OneToOneField(
        "reviewers.Verdict", null=True, blank=True, on_delete=models.CASCADE, related_name="archive_document"
    )
    external_id = models.CharField(max_length=200, null=True, blank=True, unique=True)
    content_hash = models.CharField(max_length=64, editable=False)
    # Evidence snapshot of a captured page (claims.services.capture): when it was
    # fetched, where the redirects ended, and the sha256 of the extracted text.
    fetched_at = models.DateTimeField(null=True, blank=True)
    final_url = models.URLField(max_length=1000, blank=True)
    captured_sha256 = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        self.content_hash = sha256_text(f"{self.title}\n{self.body}")
        super().save(*args, **kwargs)


class Passage(models.Model):
    """A stretch of a source document that retrieval indexes: ``document.body[start:end]``.

    Rebuilt whenever the document's text changes (``document_hash`` records which
    version it was cut from). ``embedding`` holds the all-MiniLM-L6-v2 vector
    (384 float32, little-endian) so an index can be rebuilt on any machine without
    running the model again.
    """

    document = models.ForeignKey(SourceDocument, on_delete=models.CASCADE, related_name="passages")
    position = models.PositiveIntegerField()
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    document_hash = models.CharField(max_length=64)
    embedding = models.BinaryField(null=True, blank=True)

    class Meta:
        ordering = ["document_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["document", "position"], name="passage_unique_position"),
            models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="passage_span_not_empty"),
        ]

    def __str__(self) -> str:
        return f"passage {self.position} of document {self.document_id} [{self.start}:{self.end}]"


class ProviderRun(models.Model):
    """One provider's work for one claim: the fan-in of gathering lives here."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    TERMINAL = (Status.SUCCEEDED, Status.FAILED)

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="provider_runs")
    provider = models.CharField(max_length=50)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    candidates_found = models.PositiveIntegerField(default=0)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["claim_id", "provider"]
        constraints = [models.UniqueConstraint(fields=["claim", "provider"], name="provider_run_unique")]

    def __str__(self) -> str:
        return f"{self.provider} for claim {self.claim_id}: {self.status}"


class Candidate(models.Model):
    """A source document suggested for a claim, with the passage worth quoting."""

    class State(models.TextChoices):
        SUGGESTED = "suggested", "Suggested"
        DISMISSED = "dismissed", "Dismissed"
        CITED = "cited", "Cited"

    class MatchLevel(models.TextChoices):
        SUGGESTED = "suggested", "Suggested match"
        STRONG = "strong", "Strong match"

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="candidates")
    document = models.ForeignKey(SourceDocument, on_delete=models.CASCADE, related_name="candidates")
    provider = models.CharField(max_length=50)
    score = models.FloatField()
    rank = models.PositiveIntegerField()
    passage = models.TextField(blank=True)
    passage_start = models.PositiveIntegerField(null=True, blank=True)
    passage_end = models.PositiveIntegerField(null=True, blank=True)
    # previously_verified only: how sure the match is ("" for other providers).
    match_level = models.CharField(max_length=10, choices=MatchLevel.choices, blank=True, default="")
    state = models.CharField(max_length=10, choices=State.choices, default=State.SUGGESTED)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["claim_id", "rank"]
        constraints = [
            # Retries and overlapping providers never duplicate a source.
            models.UniqueConstraint(fields=["claim", "document"], name="candidate_unique_per_claim"),
        ]

    def __str__(self) -> str:
        return f"#{self.rank} {self.document} for claim {self.claim_id}"


class WorkerHeartbeat(models.Model):
    """Written by every Celery worker every few seconds; read by /healthz."""

    hostname = models.CharField(max_length=255, unique=True)
    last_seen = models.DateTimeField()
    started_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.hostname


class WebhookEndpoint(models.Model):
    """Where an API client wants to hear about its articles' events. Registered by editors in the admin."""

    class Event(models.TextChoices):
        ARTICLE_PROCESSED = "article.processed", "Article processed (claims extracted)"
        CLAIM_READY = "claim.ready_for_review", "Claim ready for review"
        VERDICT_PUBLISHED = "verdict.published", "Verdict published"
        VERDICT_REVISED = "verdict.revised", "Published verdict revised"

    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="webhooks")
    url = models.URLField(max_length=500)
    secret = models.CharField(max_length=100, help_text="Shared secret for the HMAC-SHA256 signature; shown to the client once set.")
    events = models.JSONField(default=list, help_text="Event types to deliver; empty means all.")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["client__name", "url"]

    def __str__(self) -> str:
        return f"{self.client} -> {self.url}"

    def wants(self, event: str) -> bool:
        return self.is_active and (not self.events or event in self.events)


class WebhookDelivery(models.Model):
    """One event for one endpoint: created in the event's transaction, delivered (and retried) by Celery."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed (gave up)"

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=50, choices=WebhookEndpoint.Event.choices)
    event_id = models.UUIDField(default=uuid.uuid4, editable=False, help_text="Sent as Factdesk-Delivery: receivers deduplicate on it.")
    dedupe_key = models.CharField(max_length=200, help_text="The same event is never queued twice for one endpoint.")
    payload = models.JSONField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    response_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(default=timezone.now, db_index=True)
    locked_until = models.DateTimeField(null=True, blank=True, help_text="A worker is sending it until then.")
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "webhook deliveries"
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "dedupe_key"], name="webhook_delivery_once_per_event"),
        ]

    def __str__(self) -> str:
        return f"{self.event} -> {self.endpoint.url} ({self.status})"


class ClaimSet(models.Model):
    """A verified claim set: published claims chosen by filters, frozen when built.

    Membership (ordered claim ids) and each item's serialized record are fixed at
    build time, so a download weeks later gives the same bytes even after verdicts
    are revised. ``content_hash`` is the SHA-256 of the NDJSON download.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        BUILDING = "building", "Building"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    name = models.CharField(max_length=200)
    filters = models.JSONField(default=dict, blank=True)
    creator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="claim_sets")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING, db_index=True)
    total = models.PositiveIntegerField(default=0, help_text="Claims in the set (known once membership is fixed).")
    progress = models.PositiveIntegerField(default=0, help_text="Items frozen so far.")
    error = models.TextField(blank=True)
    content_hash = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    frozen_at = models.DateTimeField(null=True, blank=True, help_text="When membership and items were fixed.")
    # Bumped by the builder after each chunk: a set left 'building' by a dead worker is re-queued by the sweeper.
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=models.F("total")), name="claimset_progress_le_total"),
        ]

    def __str__(self) -> str:
        return self.name


class ClaimSetItem(models.Model):
    """One claim of a set, frozen: its JSON record and its ClaimReview node as the exact text served."""

    claim_set = models.ForeignKey(ClaimSet, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField()
    # The claim may be deleted later; the frozen item stays.
    claim = models.ForeignKey(Claim, null=True, on_delete=models.SET_NULL, related_name="+")
    # Text, not JSONField: PostgreSQL's jsonb reorders keys, and downloads must be byte-identical.
    record_json = models.TextField()
    review_json = models.TextField()

    class Meta:
        ordering = ["claim_set", "position"]
        constraints = [
            models.UniqueConstraint(fields=["claim_set", "position"], name="claimset_item_position_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.claim_set_id}#{self.position}"
