"""``manage.py export_claims --format json|csv|claimreview [--since DATE] [--output FILE]``."""
import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils.dateparse import parse_date, parse_datetime
from django.utils import timezone

from claims import exports, selectors


class Command(BaseCommand):
    help = "Stream published claims with their verdicts and citations."

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=sorted(exports.FORMATS), default="json")
        parser.add_argument("--since", help="only verdicts approved on/after this date or date-time (ISO 8601)")
        parser.add_argument("--output", "-o", help="write to this file instead of standard output")

    def handle(self, *args, **options):
        since = None
        if options["since"]:
            since = parse_datetime(options["since"])
            if since is None:
                day = parse_date(options["since"])
                if day is None:
                    raise CommandError(f"--since: not an ISO date or date-time: {options['since']!r}")
                since = timezone.make_aware(timezone.datetime(day.year, day.month, day.day), timezone.utc)
        chunks = exports.stream(options["format"], selectors.published_claims(since=since))
        out = open(options["output"], "w", encoding="utf-8", newline="") if options["output"] else sys.stdout
        try:
            for chunk in chunks:
                out.write(chunk)
        finally:
            if options["output"]:
                out.close()
