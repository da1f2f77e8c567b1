"""ingest_sources and import_claimreview: progress, idempotency, clear errors, nothing lost."""
from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command

from claims.models import Passage, SourceDocument
from claims.retrieval import store

pytestmark = pytest.mark.django_db


def _run(*args):
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_ingest_sources_is_incremental_and_reports_bad_lines(tmp_path):
    path = tmp_path / "corpus.jsonl"
    records = [
        {"id": "a", "title": "Jobs", "text": "Unemployment fell to 3.9 percent in April.", "source": "Stats", "date": "2024-05-03"},
        {"id": "b", "title": "Rates", "text": "The central bank raised rates.", "date": None},
    ]
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n{not json\n" + json.dumps({"id": "c", "text": ""}) + "\n")
    out, err = _run("ingest_sources", str(path))
    assert "2 created, 0 updated, 0 unchanged, 2 failed" in out
    assert "corpus.jsonl:3: not JSON" in err and "corpus.jsonl:4: text: empty body" in err
    doc = SourceDocument.objects.get(external_id="a")
    assert doc.publisher == "Stats" and doc.published_at.year == 2024 and doc.kind == "reference"
    passages = set(Passage.objects.values_list("id", flat=True))
    assert store.index_refresh("reference", sync=False).keys == passages

    out, _ = _run("ingest_sources", str(path))
    assert "0 created, 0 updated, 2 unchanged" in out
    assert set(Passage.objects.values_list("id", flat=True)) == passages, "unchanged documents keep their passages"

    records[0]["text"] = "Unemployment rose to 4.1 percent in May."
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n")
    out, _ = _run("ingest_sources", str(path))
    assert "0 created, 1 updated, 1 unchanged" in out
    doc = SourceDocument.objects.get(external_id="a")
    passage = Passage.objects.get(document=doc)
    assert doc.body[passage.start : passage.end] == "Unemployment rose to 4.1 percent in May."
    assert SourceDocument.objects.count() == 2


def test_ingest_sources_reads_a_folder_of_text_files(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "one.txt").write_text("First title\nBody of the first. It has two sentences.")
    (tmp_path / "sub" / "two.txt").write_text("Second title\nBody of the second.")
    out, _ = _run("ingest_sources", str(tmp_path))
    assert "2 created" in out
    assert set(SourceDocument.objects.values_list("external_id", "title")) == {("one.txt", "First title"), ("sub/two.txt", "Second title")}


CLAIMREVIEW = {
    "@context": "https://schema.org",
    "@type": "ClaimReview",
    "url": "https://factcheck.example.org/2024/unemployment",
    "datePublished": "2024-05-06",
    "claimReviewed": "Unemployment fell to 3.9 percent in April.",
    "headline": "Did unemployment fall to 3.9% in April?",
    "author": {"@type": "Organization", "name": "Example Fact Check"},
    "reviewRating": {"@type": "Rating", "ratingValue": 5, "alternateName": "True"},
}


def test_import_claimreview_reads_files_and_graphs_and_is_idempotent(tmp_path):
    (tmp_path / "one.json").write_text(json.dumps(CLAIMREVIEW))
    other = dict(CLAIMREVIEW, url="https://factcheck.example.org/2024/shark", claimReviewed="A shark swam on a highway.",
                 headline="Shark on a highway?", reviewRating={"alternateName": "False"})
    broken = {"@type": "ClaimReview", "url": "https://factcheck.example.org/x"}
    (tmp_path / "graph.jsonld").write_text(json.dumps({"@context": "https://schema.org", "@graph": [other, broken, {"@type": "WebPage"}]}))
    (tmp_path / "bad.json").write_text("{oops")
    out, err = _run("import_claimreview", str(tmp_path))
    assert "2 created, 0 updated, 0 unchanged, 2 failed" in out
    assert "bad.json: not JSON" in err and "claimReviewed: missing" in err
    doc = SourceDocument.objects.get(url=CLAIMREVIEW["url"])
    assert (doc.kind, doc.rating_label, doc.publisher, doc.title) == ("factcheck", "True", "Example Fact Check", CLAIMREVIEW["headline"])
    assert doc.published_at.date().isoformat() == "2024-05-06"
    assert store.index_refresh("verified", sync=False).keys == set(Passage.objects.values_list("id", flat=True))
    assert Passage.objects.filter(document__kind="factcheck").count() == 2

    out, _ = _run("import_claimreview", str(tmp_path / "one.json"))
    assert "0 created, 0 updated, 1 unchanged" in out
    assert SourceDocument.objects.filter(kind="factcheck").count() == 2
