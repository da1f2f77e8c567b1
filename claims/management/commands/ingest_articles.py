"""``manage.py ingest_articles PATH``: a JSONL file or a folder of .txt/.json articles."""
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.dateparse import parse_datetime
from tqdm import tqdm

from claims.services.articles import ArticleError, article_ingest


def _records(path: Path):
    if path.is_dir():
        for file in sorted(path.iterdir()):
            if file.suffix == ".txt":
                lines = file.read_text(encoding="utf-8").strip().split("\n", 1)
                yield file.name, {"headline": lines[0].strip(), "body": lines[1].strip() if len(lines) > 1 else "",
                                  "external_id": file.stem}
            elif file.suffix == ".json":
                yield file.name, json.loads(file.read_text(encoding="utf-8"))
    else:
        with path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if line.strip():
                    yield f"{path.name}:{number}", json.loads(line)


class Command(BaseCommand):
    help = "Ingest articles from a JSONL file (one {headline, body, ...} per line) or a folder of .txt (first line = headline)."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--limit", type=int)

    def handle(self, *args, **options):
        path = Path(options["path"])
        if not path.exists():
            raise CommandError(f"{path} does not exist")
        created = existing = failed = 0
        for index, (where, record) in enumerate(tqdm(_records(path), unit="article", disable=None)):
            if options["limit"] and index >= options["limit"]:
                break
            published = record.get("published_at") or record.get("date")
            try:
                result = article_ingest(
                    headline=record.get("headline") or record.get("title") or "",
                    body=record.get("body") or record.get("text") or "",
                    external_id=record.get("external_id") or (str(record["id"]) if record.get("id") else None),
                    url=record.get("url") or "",
                    byline=record.get("byline") or "",
                    published_at=parse_datetime(published) if isinstance(published, str) and "T" in published else None,
                    language=record.get("language") or "en",
                )
            except (ArticleError, ValueError) as exc:
                failed += 1
                self.stderr.write(f"{where}: {exc}")
                continue
            created += int(result.created)
            existing += int(not result.created)
        self.stdout.write(f"{created} new, {existing} already present, {failed} refused")
