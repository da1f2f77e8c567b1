"""``manage.py ingest_sources PATH``: reference documents from JSONL or a folder of .txt files.

JSONL: one ``{"id", "title", "text", "source"?, "date"?, "url"?}`` a line (the format
of ../shared/corpora). Folder: every ``*.txt`` below it; the first line is the title,
the path relative to the folder is the id. Incremental: a record whose id and text
are unchanged is skipped; a changed one is updated and its passages cut again. A bad
record is reported with its line and skipped; the others are stored.
"""
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from claims.retrieval.store import COLLECTIONS, index_refresh, passages_sync
from claims.services.sources import SourceError, parse_when, source_document_upsert


def records(path: Path):
    if path.is_dir():
        for file in sorted(path.rglob("*.txt")):
            lines = file.read_text(encoding="utf-8").strip().split("\n", 1)
            yield str(file), {"id": str(file.relative_to(path)), "title": lines[0].strip(),
                              "text": lines[1].strip() if len(lines) > 1 else ""}
    else:
        with path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    yield f"{path.name}:{number}", json.loads(line)
                except json.JSONDecodeError as exc:
                    yield f"{path.name}:{number}", SourceError(f"not JSON: {exc}")


class Command(BaseCommand):
    help = "Ingest reference documents (JSONL or a folder of .txt), then cut, embed and index their passages."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--limit", type=int, help="stop after this many records")
        parser.add_argument("--no-index", action="store_true", help="store documents only; passages are cut at the next refresh")

    def handle(self, *args, **options):
        path = Path(options["path"])
        if not path.exists():
            raise CommandError(f"{path} does not exist")
        counts = {"created": 0, "updated": 0, "unchanged": 0, "failed": 0}
        for n, (where, record) in enumerate(tqdm(records(path), unit="doc", disable=None), start=1):
            if options["limit"] and n > options["limit"]:
                break
            try:
                if isinstance(record, Exception):
                    raise record
                if not isinstance(record, dict):
                    raise SourceError("expected a JSON object")
                _, outcome = source_document_upsert(
                    external_id=str(record.get("id") or record.get("external_id") or ""),
                    title=record.get("title") or "", body=record.get("text") or record.get("body") or "",
                    url=record.get("url") or "", publisher=record.get("source") or record.get("publisher") or "",
                    published_at=parse_when(record.get("date") or record.get("published_at")),
                    language=record.get("language") or "en",
                )
                counts[outcome] += 1
            except SourceError as exc:
                counts["failed"] += 1
                self.stderr.write(f"{where}: {exc}")
        self.stdout.write(", ".join(f"{v} {k}" for k, v in counts.items()))
        if not options["no_index"]:
            with tqdm(unit="doc", desc="passages", disable=None) as bar:
                done = passages_sync(kinds=COLLECTIONS["reference"], progress=bar.update)
            index = index_refresh("reference", force=True, sync=False)
            self.stdout.write(f"passages cut for {done} documents; index holds {len(index)} passages")
