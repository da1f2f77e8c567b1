"""Rating scales, verdicts, citations and review assignments."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords


class RatingScale(models.Model):
    """A newsroom's rating scale, mapped to ClaimReview's numeric rating."""

    name = models.CharField(max_length=100, unique=True)
    best_rating = models.IntegerField(help_text="ClaimReview bestRating")
    worst_rating = models.IntegerField(help_text="ClaimReview worstRating")
    is_default = models.BooleanField(default=False)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["is_default"], condition=Q(is_default=True), name="one_default_scale"),
        ]

    def __str__(self) -> str:
        return self.name


class Rating(models.Model):
    scale = models.ForeignKey(RatingScale, on_delete=models.CASCADE, related_name="ratings")
    value = models.IntegerField(help_text="ClaimReview ratingValue")
    label = models.CharField(max_length=100, help_text="ClaimReview alternateName, e.g. 'False'")
    description = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["scale_id", "value"]
        constraints = [
            models.UniqueConstraint(fields=["scale", "value"], name="rating_value_unique_per_scale"),
            models.UniqueConstraint(fields=["scale", "label"], name="rating_label_unique_per_scale"),
        ]

    def __str__(self) -> str:
        return self.label


class Verdict(models.Model):
    """The reviewers' finding on one claim. Locked once approved; revised with a reason."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted for approval"
        RETURNED = "returned", "Returned to reviewer"
        APPROVED = "approved", "Approved"

    claim = models.OneToOneField("claims.Claim", on_delete=models.CASCADE, related_name="verdict")
    rating = models.ForeignKey(Rating, null=True, blank=True, on_delete=models.PROTECT, related_name="verdicts")
    explanation = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="verdicts")
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="approved_verdicts"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    return_comment = models.TextField(blank=True)
    revision = models.PositiveIntegerField(default=1)
    revision_reason = models.TextField(blank=True)
    # Optimistic concurrency: every save bumps it; a save carrying an old version is refused.
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["-updated_at"]
        permissions = [("approve_verdict", "Can approve and publish verdicts")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="approved") | (Q(approved_by__isnull=False) & Q(rating__isnull=False)),
                name="approved_verdict_has_rating_and_approver",
            ),
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=models.F("reviewer")),
                name="verdict_not_self_approved",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rating or 'unrated'}: {self.claim}"


class Citation(models.Model):
    """A source cited in a verdict, with the captured evidence and its hash."""

    verdict = models.ForeignKey(Verdict, on_delete=models.CASCADE, related_name="citations")
    candidate = models.ForeignKey(
        "claims.Candidate", null=True, blank=True, on_delete=models.SET_NULL, related_name="citations"
    )
    url = models.URLField(max_length=1000, blank=True)
    title = models.CharField(max_length=500, blank=True)
    publisher = models.CharField(max_length=200, blank=True)
    quoted_passage = models.TextField()
    accessed_at = models.DateTimeField()
    captured_text = models.TextField(blank=True)
    captured_sha256 = models.CharField(max_length=64, blank=True)
    final_url = models.URLField(max_length=1000, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["verdict_id", "id"]

    def __str__(self) -> str:
        return self.title or self.url or f"citation {self.pk}"


class Assignment(models.Model):
    """A claim leased to a reviewer until ``lease_expires_at``."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        SUBMITTED = "submitted", "Submitted"
        RELEASED = "released", "Released"
        EXPIRED = "expired", "Expired"

    claim = models.ForeignKey("claims.Claim", on_delete=models.CASCADE, related_name="assignments")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assignments")
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)
    lease_expires_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # Two reviewers never hold the same claim.
            models.UniqueConstraint(fields=["claim"], condition=Q(status="active"), name="one_active_assignment"),
        ]

    def __str__(self) -> str:
        return f"{self.claim_id} -> {self.reviewer}"

    def is_live(self, *, now=None) -> bool:
        """Active and not yet past its expiry (the sweeper ends expired ones only every minute or so)."""
        from django.utils import timezone

        return self.status == self.Status.ACTIVE and self.lease_expires_at >= (now or timezone.now())


class Note(models.Model):
    """A comment on a claim for the team."""

    claim = models.ForeignKey("claims.Claim", on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["claim_id", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.author} on claim {self.claim_id}"
