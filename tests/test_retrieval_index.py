"""The retrieval index follows the database, and the providers use it through gathering."""
from __future__ import annotations

import pytest

from claims.models import Article, Candidate, Claim, Passage, SourceDocument
from claims.providers import ClaimQuery, get_provider
from claims.retrieval import store
from claims.services.gathering import claim_gathering_start, provider_run_execute
from claims.services.sources import source_document_upsert

pytestmark = pytest.mark.django_db

QUERY = "The unemployment rate fell to 3.9 percent in April"


def _docs():
    return {
        "jobs": source_document_upsert(
            external_id="jobs", title="April jobs report",
            body="The report came out on Friday. Unemployment fell to 3.9 percent in April, the lowest in a decade. "
                 "Wages rose 0.2 percent.",
        )[0],
        "rates": source_document_upsert(
            external_id="rates", title="Central bank", body="The central bank raised interest rates by half a point."
        )[0],
    }


def _found(query_text=QUERY, provider="reference_corpus"):
    hits = get_provider(provider).search(ClaimQuery(claim_id=0, text=query_text), limit=10)
    return hits, [h.document_id for h in hits]


def test_passages_slice_their_document_exactly_and_carry_embeddings():
    docs = _docs()
    store.index_refresh("reference", force=True)
    passages = list(Passage.objects.filter(document=docs["jobs"]))
    assert passages and passages[0].position == 0
    for p in passages:
        assert docs["jobs"].body[p.start : p.end].strip() == docs["jobs"].body[p.start : p.end]
        assert len(bytes(p.embedding)) == 384 * 4
    assert "".join(docs["jobs"].body[p.start : p.end] for p in passages).replace(" ", "") == docs["jobs"].body.replace(" ", "")


def test_the_index_follows_ingest_update_and_delete():
    docs = _docs()
    hits, found = _found()
    assert found[0] == docs["jobs"].pk
    assert hits[0].passage == "Unemployment fell to 3.9 percent in April, the lowest in a decade."
    assert docs["jobs"].body[hits[0].passage_start : hits[0].passage_end] == hits[0].passage

    # Update: the new text is found, the old text is not.
    source_document_upsert(external_id="rates", title="Hurricane season",
                           body="Unemployment benefits claims dropped sharply after the hurricane season.")
    _, found = _found("unemployment benefits after the hurricane")
    assert found[0] == docs["rates"].pk
    _, found = _found("central bank raised interest rates half a point")
    assert docs["rates"].pk not in found
    assert Passage.objects.filter(document=docs["rates"]).count() == 1  # the old passages were replaced
    index = store.index_refresh("reference", force=True)
    assert len(index) == Passage.objects.filter(document__kind="reference").count()

    # Delete: gone from the answers at once and from the index at the next refresh.
    docs["jobs"].delete()
    _, found = _found()
    assert docs["jobs"].pk not in found
    index = store.index_refresh("reference", force=True)
    assert set(index.keys) == set(Passage.objects.values_list("id", flat=True))


def test_another_process_loads_the_files_instead_of_rebuilding(tmp_path):
    _docs()
    first = store.index_refresh("reference", force=True)
    store.reset_process_cache()  # as a new worker process would start
    second = store.index_refresh("reference", force=True, sync=False)
    assert second is not first and second.generation == first.generation and second.keys == first.keys


def test_an_index_from_another_database_is_rebuilt():
    docs = _docs()
    index = store.index_refresh("reference", force=True)
    top = index.watermark
    # Same passage id now holds other text (a restored backup): the signature differs.
    Passage.objects.filter(pk=top).update(document_hash="0" * 64)
    store.reset_process_cache()
    rebuilt = store.index_refresh("reference", force=True, sync=False)
    assert rebuilt.meta["tip"].endswith(":" + "0" * 64 + ":" + str(Passage.objects.get(pk=top).start))
    assert docs["jobs"].pk in _found()[1]


def test_previously_verified_marks_strong_and_suggested_matches():
    strong = source_document_upsert(
        external_id="fc1", kind=SourceDocument.Kind.FACTCHECK, title="Did unemployment fall to 3.9% in April?",
        body="The unemployment rate fell to 3.9 percent in April.", rating_label="True",
    )[0]
    unrelated = source_document_upsert(
        external_id="fc2", kind=SourceDocument.Kind.FACTCHECK, title="Viral photo of a shark on a highway",
        body="A photo shows a shark swimming on a flooded highway after a hurricane.", rating_label="False",
    )[0]
    hits, found = _found(provider="previously_verified")
    assert found == [strong.pk], "an unrelated fact-check is below the threshold"
    assert hits[0].match_level == Candidate.MatchLevel.STRONG
    hits, found = _found("Jobless numbers went down last spring", provider="previously_verified")
    assert unrelated.pk not in found
    assert all(h.match_level in (Candidate.MatchLevel.SUGGESTED, Candidate.MatchLevel.STRONG) for h in hits)


def test_gathering_stores_candidates_with_passages_and_retries_add_nothing(django_capture_on_commit_callbacks, settings):
    settings.FACTDESK_PROVIDERS = ["previously_verified", "reference_corpus"]
    docs = _docs()
    fc = source_document_upsert(
        external_id="fc1", kind=SourceDocument.Kind.FACTCHECK, title="Did unemployment fall to 3.9% in April?",
        body="The unemployment rate fell to 3.9 percent in April.", rating_label="True",
    )[0]
    article = Article.objects.create(headline="Jobs", body=QUERY + ".", status=Article.Status.PROCESSED)
    claim = Claim.objects.create(article=article, text=QUERY, normalized_text=QUERY, span_start=0, span_end=len(QUERY), score=0.9)
    with django_capture_on_commit_callbacks(execute=True):
        claim_gathering_start(claim_id=claim.pk)
    claim.refresh_from_db()
    assert claim.status == Claim.Status.READY_FOR_REVIEW
    candidates = {c.document_id: c for c in claim.candidates.select_related("document")}
    assert candidates[fc.pk].match_level == Candidate.MatchLevel.STRONG
    assert candidates[docs["jobs"].pk].passage == "Unemployment fell to 3.9 percent in April, the lowest in a decade."
    for c in candidates.values():
        assert c.document.body[c.passage_start : c.passage_end] == c.passage
    before = sorted(claim.candidates.values_list("id", "document_id"))
    for run in claim.provider_runs.all():  # redelivered messages
        provider_run_execute(run_id=run.pk)
    with django_capture_on_commit_callbacks(execute=True):
        claim_gathering_start(claim_id=claim.pk, rerun=True)
    after = sorted(claim.candidates.values_list("document_id", flat=True))
    assert after == sorted(d for _, d in before) and len(after) == len(set(after))
