"""The reference-corpus provider end to end, on the database DATABASE_URL names.

    .venv/bin/python bench/retrieval_db.py [--sizes 10000,100000] [--queries 200]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/retrieval_db.py

``bench/retrieval.py`` measures the index alone. This script measures what depends
on the database: SourceDocuments and their Passage rows (offsets + embedding) in a
scratch database (SQLite file, or PostgreSQL database ``factdesk_bench_retrieval``),
the index built from those rows by ``claims.retrieval.store`` (a full build at the
first size, then an incremental refresh as the corpus grows), and a provider search
(``ReferenceCorpusProvider.search``: query embedding, hybrid search, passage rows
fetched, best sentence of each document chosen and embedded) per query. Baselines in
the same run, on the same index: the index search alone (no database), and lexical
search + fetching its passage rows.

Documents: records of ``../shared/corpora/*.jsonl`` in order ("title" + "text"), as
many as it takes to reach each size in passages (cut by the product's ``windows``).
Passage vectors: the first ``--real-vectors`` passages are embedded by the product's
encoder (cached in ``--cache``); the rest reuse them cyclically with Gaussian noise,
as in bench/retrieval.py, since embedding 100k passages takes longer than a run (the
encoder's own throughput is in docs/benchmarks.md). Queries: rss headlines.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from retrieval import pct, read_passages, vectors_for  # noqa: E402
from scratch import scratch_database  # noqa: E402


def peak_mb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def records(folder: Path):
    for file in sorted(folder.glob("*.jsonl")):
        with file.open(encoding="utf-8") as handle:
            for line in handle:
                record = json.loads(line)
                title, text = (record.get("title") or "").strip(), (record.get("text") or "").strip()
                if text:
                    yield title[:500] or text[:80], text


def timed(fn, items):
    times = []
    for item in items:
        t0 = time.perf_counter()
        fn(item)
        times.append(time.perf_counter() - t0)
    return round(pct(times, 50), 2), round(pct(times, 95), 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpora", default=str(ROOT.parent / "shared" / "corpora"))
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--real-vectors", type=int, default=10_000)
    parser.add_argument("--cache", default=str(ROOT / "var" / "bench-retrieval-db"))
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    scratch = Path(tempfile.mkdtemp(prefix="factdesk-bench-retrieval-"))
    url = scratch_database(scratch, "factdesk_bench_retrieval")
    database = "PostgreSQL" if url.startswith("postgres") else "SQLite"

    from django.db import connection, transaction

    from claims.models import Passage, SourceDocument, sha256_text
    from claims.providers.base import ClaimQuery
    from claims.providers.database import ReferenceCorpusProvider, lexical_query
    from claims.retrieval import store
    from claims.retrieval.text import clean_query

    # Documents and passage spans up to the largest size, then their vectors in one go.
    docs, spans = [], []
    for title, body in records(Path(args.corpora)):
        cut = store.windows(body) or [(0, len(body))]
        docs.append((title, body, cut))
        spans.extend((len(docs) - 1, position, s, e) for position, (s, e) in enumerate(cut))
        if len(spans) >= sizes[-1]:
            break
    unsaved = [SourceDocument(title=title, body=body) for title, body, _ in docs]
    texts = [store._embedding_text(unsaved[d], s, e, p) for d, p, s, e in spans]  # as passages_sync embeds them
    vectors, real = vectors_for(texts, len(texts), min(args.real_vectors, len(texts)), Path(args.cache) / "vectors")
    _, headlines = read_passages(Path(args.corpora), 1)
    queries = [ClaimQuery(claim_id=0, text=h) for h in headlines[: args.queries]]
    provider = ReferenceCorpusProvider()
    print(f"{database}: {len(docs)} documents, {len(spans)} passages ({real} embedded, the rest noisy copies), "
          f"{len(queries)} queries, load average {os.getloadavg()[0]:.1f}", flush=True)

    stored_docs = stored_passages = 0  # whole documents: each size ends at a document boundary
    first_passage = [0]
    for _, _, cut in docs:
        first_passage.append(first_passage[-1] + len(cut))
    for size in sizes:
        t0 = time.perf_counter()
        upto = stored_docs
        while upto < len(docs) and first_passage[upto] < size:
            upto += 1
        with transaction.atomic():
            created = SourceDocument.objects.bulk_create(
                (SourceDocument(kind="reference", title=t, body=b, content_hash=sha256_text(f"{t}\n{b}")) for t, b, _ in docs[stored_docs:upto]),
                batch_size=2000,
            )
            Passage.objects.bulk_create(
                (Passage(document_id=doc.pk, position=p, start=s, end=e, document_hash=doc.content_hash,
                         embedding=vectors[first_passage[stored_docs + n] + p].astype("<f4").tobytes())
                 for n, doc in enumerate(created) for p, (s, e) in enumerate(docs[stored_docs + n][2])),
                batch_size=5000,
            )
        stored_docs, stored_passages = upto, first_passage[upto]
        insert_s = time.perf_counter() - t0
        rss0 = peak_mb()
        t0 = time.perf_counter()
        index = store.index_refresh("reference", force=True, sync=False)
        refresh_s = time.perf_counter() - t0
        assert len(index) == stored_passages, (len(index), stored_passages)
        vectors_q = store.encode([clean_query(q.text) for q in queries])

        def index_only(i):
            index.search(lexical_query(queries[i]), vectors_q[i], k=20, depth=50)

        def lexical_rows(i):
            keys = [key for key, _ in index.search_lexical(lexical_query(queries[i]), k=20)]
            list(Passage.objects.filter(pk__in=keys).select_related("document").only("id", "embedding", "document__body", "document__title", "document__kind"))

        def provider_search(i):
            assert provider.search(queries[i], limit=5) is not None

        positions = range(len(queries))
        row = {
            "database": database, "passages": stored_passages, "documents": stored_docs,
            "insert_s": round(insert_s, 1), "index_refresh_s": round(refresh_s, 1),
            "refresh": "full build" if size == sizes[0] else "incremental",
            "index_only_ms": timed(index_only, positions),
            "lexical_plus_rows_ms": timed(lexical_rows, positions),
            "provider_cold_ms": timed(provider_search, positions),
            "provider_warm_ms": timed(provider_search, positions),
            "peak_rss_mb": peak_mb(), "rss_before_refresh_mb": rss0,
            "db_size_mb": db_size_mb(connection, scratch),
            "load_average": round(os.getloadavg()[0], 1),
        }
        print(json.dumps(row), flush=True)


def db_size_mb(connection, scratch: Path) -> int:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_database_size(current_database())")
            return cursor.fetchone()[0] // 2**20
    return (scratch / "bench.sqlite3").stat().st_size // 2**20


if __name__ == "__main__":
    main()
