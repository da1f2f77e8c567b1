"""Editors' check-worthiness decisions as training data for the check-worthiness model.

Writes ``id<TAB>text<TAB>Yes/No`` (the CheckThat! layout): a claim that went
through review (awaiting approval or published) is ``Yes``; a claim rejected
with a reason containing "not check-worthy" is ``No``. Other rejections
(duplicates, merged, split) say nothing about check-worthiness and are left out.
"""
from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db.models import Q

from claims.models import Claim

NOT_CHECK_WORTHY = "not check-worthy"


def _one_line(text: str) -> str:
    return " ".join(text.split())


class Command(BaseCommand):
    help = "Write editors' check-worthiness decisions as id<TAB>text<TAB>Yes/No."

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, help="TSV file to write")

    def handle(self, *args, out: str, **options):
        S = Claim.Status
        claims = (
            Claim.objects.filter(
                Q(status__in=[S.AWAITING_APPROVAL, S.PUBLISHED])
                | Q(status=S.REJECTED, rejection_reason__icontains=NOT_CHECK_WORTHY)
            )
            .order_by("id")
            .values_list("id", "text", "status")
        )
        written = 0
        with open(out, "w", encoding="utf-8", newline="") as fh:
            for pk, text, status in claims.iterator():
                fh.write(f"{pk}\t{_one_line(text)}\t{'No' if status == S.REJECTED else 'Yes'}\n")
                written += 1
        self.stdout.write(f"wrote {written} decisions to {out}")
