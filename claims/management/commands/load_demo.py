"""``manage.py load_demo``: users, a rating scale, reference documents, fact-checks and a demo article.

Idempotent: run it again and nothing is duplicated (the demo article is
keyed by its external id). Each run prints a fresh demo API token and revokes
the previous demo token, since a key can only be shown once. All content lives
in claims/demo/ and was written for Factdesk.
"""
import json
import secrets
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from claims.models import ApiToken, SourceDocument
from claims.services.articles import article_ingest
from claims.services.tokens import token_issue
from reviewers.models import Rating, RatingScale

DEMO_DIR = Path(__file__).resolve().parents[2] / "demo"
RATINGS = [
    (1, "False", "The claim is inaccurate."),
    (2, "Mostly false", "The claim has an element of truth but ignores facts that change the picture."),
    (3, "Half true", "The claim is partially accurate but leaves out important details."),
    (4, "Mostly true", "The claim is accurate but needs clarification."),
    (5, "True", "The claim is accurate and nothing significant is missing."),
]
USERS = [("admin", None, True), ("editor", "Editors", False), ("reviewer", "Reviewers", False), ("reviewer2", "Reviewers", False)]


def _jsonl(name: str):
    with (DEMO_DIR / name).open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


class Command(BaseCommand):
    help = "Load demo users, a rating scale, reference documents, fact-checks and a demo article."

    def add_arguments(self, parser):
        parser.add_argument("--reset-passwords", action="store_true", help="give existing demo users new passwords")
        parser.add_argument("--no-article", action="store_true", help="do not ingest the demo article")

    def handle(self, *args, **options):
        with transaction.atomic():
            self._rating_scale()
            n_sources = self._sources()
            n_checks = self._factchecks()
        self.stdout.write(f"Rating scale ready; {n_sources} reference documents, {n_checks} fact-checks.")
        passwords = self._users(options["reset_passwords"])
        for username, password in passwords.items():
            self.stdout.write(f"  user {username:<10} password {password}")
        User = get_user_model()
        editor = User.objects.get(username="editor")
        with transaction.atomic():
            ApiToken.objects.filter(client__user=editor, label="demo", revoked_at__isnull=True).update(revoked_at=timezone.now())
            _, key = token_issue(user=editor, scopes=["ingest", "read", "export"], label="demo")
        self.stdout.write(f"  API token (ingest, read, export) for 'editor': {key}")
        if not options["no_article"]:
            article = json.loads((DEMO_DIR / "article.json").read_text(encoding="utf-8"))
            result = article_ingest(
                headline=article["headline"], body=article["body"], url=article.get("url", ""),
                byline=article.get("byline", ""), published_at=parse_datetime(article["published_at"]),
                language=article.get("language", "en"), created_by=editor,
                external_id=article["external_id"],
            )
            state = "queued for extraction" if result.created else f"already loaded ({result.article.status})"
            self.stdout.write(f"Demo article #{result.article.pk} {state}.")

    def _rating_scale(self):
        scale, _ = RatingScale.objects.get_or_create(
            name="Factdesk five-point", defaults={"best_rating": 5, "worst_rating": 1, "is_default": True}
        )
        for value, label, description in RATINGS:
            Rating.objects.update_or_create(scale=scale, value=value, defaults={"label": label, "description": description})

    def _sources(self) -> int:
        records = _jsonl("sources.jsonl")
        for record in records:
            SourceDocument.objects.update_or_create(
                external_id=record["external_id"],
                defaults={
                    "kind": SourceDocument.Kind.REFERENCE, "title": record["title"], "body": record["body"],
                    "url": record.get("url", ""), "publisher": record.get("publisher", ""),
                    "published_at": parse_datetime(record["published_at"]) if record.get("published_at") else None,
                },
            )
        return len(records)

    def _factchecks(self) -> int:
        records = _jsonl("factchecks.jsonl")
        for record in records:
            SourceDocument.objects.update_or_create(
                external_id=record["external_id"],
                defaults={
                    "kind": SourceDocument.Kind.FACTCHECK, "title": record["claim_reviewed"],
                    "body": f"{record['claim_reviewed']}\n\nRating: {record['rating']}.\n\n{record.get('explanation', '')}",
                    "rating_label": record["rating"], "url": record.get("url", ""),
                    "publisher": record.get("publisher", ""),
                    "published_at": parse_datetime(record["published_at"]) if record.get("published_at") else None,
                },
            )
        return len(records)

    def _users(self, reset: bool) -> dict[str, str]:
        User = get_user_model()
        shown = {}
        for username, group, superuser in USERS:
            user = User.objects.filter(username=username).first()
            if user is None or reset:
                password = secrets.token_urlsafe(9)
                if user is None:
                    user = User(username=username, email=f"{username}@newsroom.example")
                user.is_staff = True
                user.is_superuser = superuser
                user.set_password(password)
                user.save()
                shown[username] = password
            else:
                shown[username] = "(unchanged; use --reset-passwords)"
            if group:
                user.groups.add(Group.objects.get(name=group))
        return shown
