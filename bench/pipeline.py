"""End-to-end pipeline latency: article accepted -> every claim ready for review.

    python bench/pipeline.py --articles 40 [--corpus ../shared/corpora/bbc_news.jsonl] [--workers-concurrency 2]

Uses whatever DATABASE_URL / REDIS_URL say (SQLite + embedded broker by
default) in a scratch database it migrates itself: ``factdesk_bench`` on
PostgreSQL, a temporary file on SQLite. It starts a real Celery worker
process, ingests real BBC articles through the service the API uses, and
waits for each article's claims to become ready. The baseline, in the same
process, runs the same services inline (no queue, no worker) on the same
articles, so the ratio shows what the queue costs.

Prints: per-article latency p50/p95 (accepted -> all claims ready), articles/s,
claims/s, peak RSS of this process and of the largest worker process, and the
inline baseline.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scratch import scratch_database  # noqa: E402  (bench/scratch.py, beside this script)


def _configure(scratch: Path) -> str:
    os.environ.setdefault("DEBUG", "1")
    return scratch_database(scratch, "factdesk_bench")


def _articles(path: Path, n: int) -> list[dict]:
    records = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            if record.get("text"):
                records.append(record)
            if len(records) == n:
                break
    return records


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=40)
    parser.add_argument("--corpus", default=str(ROOT.parent / "shared" / "corpora" / "bbc_news.jsonl"))
    parser.add_argument("--concurrency", type=int, default=2)
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="factdesk-bench-"))
    db_url = _configure(scratch)

    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext  # noqa: F401  (keeps django.test importable)

    from claims.models import Article, Claim
    from claims.services.articles import article_ingest
    from claims.services.extraction import article_extract_claims
    from claims.services.gathering import claim_gathering_start
    from config.celery_app import app
    from tests.workers import WorkerProcess

    call_command("load_demo", "--no-article", verbosity=0, stdout=open(os.devnull, "w"))
    records = _articles(Path(args.corpus), args.articles * 2)
    queued, inline = records[: args.articles], records[args.articles :]

    # Baseline: the same services inline, in this process.
    app.conf.task_always_eager = True
    started = time.perf_counter()
    inline_claims = 0
    for record in inline:
        article = article_ingest(headline=record["title"], body=record["text"]).article
        for claim_id in article_extract_claims(article_id=article.pk):
            claim_gathering_start(claim_id=claim_id)
        inline_claims += Claim.objects.filter(article=article).exclude(status=Claim.Status.REJECTED).count()
    inline_seconds = time.perf_counter() - started
    app.conf.task_always_eager = False

    worker = WorkerProcess("bench", concurrency=args.concurrency, DATABASE_URL=db_url).start()
    try:
        accepted: dict[int, float] = {}
        t0 = time.perf_counter()
        for record in queued:
            article = article_ingest(headline=record["title"], body=record["text"]).article
            accepted[article.pk] = time.perf_counter()
        done: dict[int, float] = {}
        while len(done) < len(accepted) and time.perf_counter() - t0 < 600:
            for article_id in [a for a in accepted if a not in done]:
                article = Article.objects.get(pk=article_id)
                if article.status != Article.Status.PROCESSED:
                    continue
                if not Claim.objects.filter(article_id=article_id).exclude(
                    status__in=[Claim.Status.READY_FOR_REVIEW, Claim.Status.REJECTED, Claim.Status.GATHERING_FAILED]
                ).exists():
                    done[article_id] = time.perf_counter()
            time.sleep(0.05)
        total = time.perf_counter() - t0
    finally:
        worker.stop()
    latencies = [done[a] - accepted[a] for a in done]
    claims = Claim.objects.filter(article_id__in=list(done)).exclude(status=Claim.Status.REJECTED).count()
    print(f"database: {connection.vendor}; broker: {app.conf.broker_url.split(':', 1)[0]}; worker concurrency {args.concurrency}")
    print(f"queued pipeline: {len(done)}/{len(accepted)} articles, {claims} check-worthy claims in {total:.1f} s")
    print(f"  latency accepted -> all claims ready: p50 {statistics.median(latencies):.2f} s, p95 {_percentile(latencies, 0.95):.2f} s")
    print(f"  throughput: {len(done) / total:.2f} articles/s, {claims / total:.1f} claims/s")
    print(f"inline baseline (same services, no queue): {len(inline)} articles, {inline_claims} claims in {inline_seconds:.1f} s "
          f"= {len(inline) / inline_seconds:.2f} articles/s")
    print(f"peak RSS: this process {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB; "
          f"largest worker process {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024:.0f} MB")
    print(f"ratio queued/inline throughput: {(len(done) / total) / (len(inline) / inline_seconds):.2f}")


if __name__ == "__main__":
    main()
