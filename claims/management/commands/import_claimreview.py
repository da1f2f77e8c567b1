"""``manage.py import_claimreview PATH``: schema.org ClaimReview JSON-LD into the fact-check archive.

PATH is a file (.json / .jsonld: one object, a list, or a ``@graph``; .jsonl: one
document a line) or a folder searched for such files. Each ClaimReview becomes a
``factcheck`` SourceDocument (claim reviewed, rating label, URL, date), keyed by its
URL, so importing the same files again changes nothing.
"""
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from claims.retrieval.store import COLLECTIONS, index_refresh, passages_sync
from claims.services.sources import SourceError, claimreview_fields, claimreview_nodes, source_document_upsert

SUFFIXES = {".json", ".jsonld", ".jsonl"}


def documents(path: Path):
    files = sorted(p for p in path.rglob("*") if p.suffix in SUFFIXES) if path.is_dir() else [path]
    for file in files:
        text = file.read_text(encoding="utf-8")
        chunks = [(f"{file}:{n}", line) for n, line in enumerate(text.splitlines(), 1) if line.strip()] \
            if file.suffix == ".jsonl" else [(str(file), text)]
        for where, chunk in chunks:
            try:
                yield where, json.loads(chunk)
            except json.JSONDecodeError as exc:
                yield where, SourceError(f"not JSON: {exc}")


class Command(BaseCommand):
    help = "Import ClaimReview JSON-LD (files or folders) into the archive of previously verified claims."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--no-index", action="store_true")

    def handle(self, *args, **options):
        path = Path(options["path"])
        if not path.exists():
            raise CommandError(f"{path} does not exist")
        counts = {"created": 0, "updated": 0, "unchanged": 0, "failed": 0}
        for where, data in tqdm(documents(path), unit="file", disable=None):
            if isinstance(data, Exception):
                counts["failed"] += 1
                self.stderr.write(f"{where}: {data}")
                continue
            for number, node in enumerate(claimreview_nodes(data), start=1):
                try:
                    _, outcome = source_document_upsert(**claimreview_fields(node))
                    counts[outcome] += 1
                except SourceError as exc:
                    counts["failed"] += 1
                    self.stderr.write(f"{where} (ClaimReview #{number}): {exc}")
        self.stdout.write(", ".join(f"{v} {k}" for k, v in counts.items()))
        if not options["no_index"]:
            passages_sync(kinds=COLLECTIONS["verified"])
            index = index_refresh("verified", force=True, sync=False)
            self.stdout.write(f"index holds {len(index)} passages of previously verified claims")
