"""``manage.py export_claims --format json|ndjson|csv|claimreview [--since DATE] [--claim-set ID] [--output FILE]``.

Without ``--claim-set``: the published claims as they are now. With it: a built
claim set's frozen text, identical to its API download.
"""
import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from claims import exports, selectors
from claims.models import ClaimSet
from claims.services.claimsets import claimset_items


class Command(BaseCommand):
    help = "Stream published claims (or a verified claim set) with their verdicts and citations."

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=sorted(exports.FORMATS), default="json")
        parser.add_argument("--since", help="only verdicts approved on/after this date or date-time (ISO 8601)")
        parser.add_argument("--claim-set", type=int, help="export this built claim set's frozen items instead")
        parser.add_argument("--output", "-o", help="write to this file instead of standard output")

    def handle(self, *args, **options):
        if options["claim_set"] is not None:
            if options["since"]:
                raise CommandError("--since does not apply to a claim set (its filters were fixed when it was built).")
            claim_set = ClaimSet.objects.filter(pk=options["claim_set"]).first()
            if claim_set is None:
                raise CommandError(f"No claim set with id {options['claim_set']}.")
            if claim_set.status != ClaimSet.Status.READY:
                raise CommandError(f"Claim set {claim_set.pk} is {claim_set.status}, not ready.")
            chunks = exports.stream_claim_set(options["format"], claim_set, claimset_items(claim_set))
        else:
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
