"""Server time of the reviewer queue and claim page (Django test client, in-process).

    [DATABASE_URL=postgres://...] python bench/pages.py [--requests 200] [--claims 50] [--candidates 20]

Scratch database ``factdesk_bench_pages`` (PostgreSQL: dropped and re-created;
otherwise a SQLite file in a temporary directory). Seeds a "big" article with
--claims claims of --candidates candidate sources each (each source ~2 KB, as
the claim page shows every captured source for selection), one claim with a
draft verdict, a citation, a note and a running provider, plus a baseline
article with 1 claim and 1 candidate. Each page is requested --requests times
(after 10 warm-up requests) as a logged-in reviewer; prints throughput,
p50/p95 server time, peak RSS and the ratio to the baseline page in this run.
"""
from __future__ import annotations

import argparse
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

SOURCE = (
    "Vladimir Putin met Kim Jong Un at the Vostochny Cosmodrome on 13 September 2023. "
    "The two leaders toured the launch site before talks that lasted several hours. "
) * 12


def _configure(scratch: Path) -> str:
    os.environ.setdefault("DEBUG", "1")
    return scratch_database(scratch, "factdesk_bench_pages")


def _article(n_claims: int, n_candidates: int, tag: str):
    from claims.models import Article, Candidate, Claim, SourceDocument

    sentence = "Putin met Kim at the Vostochny Cosmodrome. "
    article = Article.objects.create(headline=f"Bench {tag}", body=sentence * n_claims, content_hash=tag,
                                     status=Article.Status.PROCESSED)
    claims = Claim.objects.bulk_create(
        Claim(article=article, text=sentence.strip(), normalized_text=f"{tag} claim {i}", span_start=i * len(sentence),
              span_end=(i + 1) * len(sentence) - 1, score=0.5, status=Claim.Status.READY_FOR_REVIEW)
        for i in range(n_claims)
    )
    docs = SourceDocument.objects.bulk_create(
        SourceDocument(title=f"{tag} source {i}", body=SOURCE, url=f"https://ref.example.org/{tag}/{i}", content_hash=f"{tag}{i}")
        for i in range(n_candidates)
    )
    Candidate.objects.bulk_create(
        Candidate(claim=c, document=d, provider="lexical", score=1 - r / 100, rank=r + 1, passage=SOURCE[:160])
        for c in claims for r, d in enumerate(docs)
    )
    return article, claims


def _measure(client, path: str, n: int) -> dict:
    for _ in range(10):
        assert client.get(path).status_code == 200, path
    times = []
    start = time.perf_counter()
    for _ in range(n):
        t = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - t) * 1000)
        assert response.status_code == 200
    total = time.perf_counter() - start
    times.sort()
    return {"rps": n / total, "p50": statistics.median(times), "p95": times[int(len(times) * 0.95) - 1], "bytes": len(response.content)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--claims", type=int, default=50)
    parser.add_argument("--candidates", type=int, default=20)
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="factdesk-bench-pages-"))
    _configure(scratch)

    from django.conf import settings
    from django.contrib.auth.models import Group
    from django.db import connection
    from django.test import Client

    from claims.models import ProviderRun
    from reviewers.models import Citation, Note, Rating, RatingScale, Verdict

    settings.ALLOWED_HOSTS = ["*"]
    from django.contrib.auth import get_user_model

    reviewer = get_user_model().objects.create_user("bench-reviewer", is_staff=True)
    reviewer.groups.add(Group.objects.get(name="Reviewers"))
    scale = RatingScale.objects.create(name="Bench", best_rating=5, worst_rating=1, is_default=True)
    for v in range(1, 6):
        Rating.objects.create(scale=scale, value=v, label=f"R{v}")
    _, big = _article(args.claims, args.candidates, "big")
    _, small = _article(1, 1, "base")
    target = big[0]
    verdict = Verdict.objects.create(claim=target, reviewer=reviewer, explanation="Draft explanation.")
    candidate = target.candidates.first()
    Citation.objects.create(verdict=verdict, candidate=candidate, quoted_passage=SOURCE[:80], captured_text=SOURCE,
                            accessed_at=verdict.created_at, created_by=reviewer)
    Note.objects.create(claim=target, author=reviewer, body="bench note")
    ProviderRun.objects.create(claim=target, provider="lexical", status=ProviderRun.Status.RUNNING)

    client = Client()
    client.force_login(reviewer)
    pages = [
        ("claim page, 1 claim x 1 candidate (baseline)", f"/review/claims/{small[0].pk}/"),
        (f"claim page, {args.claims} claims x {args.candidates} candidates", f"/review/claims/{target.pk}/"),
        ("queue, 1 ready claim (baseline)", f"/review/?article={small[0].article_id}"),
        (f"queue, all {args.claims + 1} ready claims", "/review/"),
    ]
    print(f"database: {connection.vendor}; {args.requests} requests per page after 10 warm-up; in-process test client")
    results = {}
    for label, path in pages:
        queries = []  # counted with a wrapper: the query log is reset at each request start
        with connection.execute_wrapper(lambda execute, sql, *a: (queries.append(sql), execute(sql, *a))[1]):
            client.get(path)
        r = _measure(client, path, args.requests)
        results[label] = r
        print(f"{label}: {r['rps']:.1f} req/s, p50 {r['p50']:.1f} ms, p95 {r['p95']:.1f} ms, "
              f"{len(queries)} queries, {r['bytes'] / 1024:.0f} KiB")
    labels = list(results)
    for base, big_label in ((labels[0], labels[1]), (labels[2], labels[3])):
        print(f"ratio p50 {big_label} / baseline: {results[big_label]['p50'] / results[base]['p50']:.2f}x")
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    if connection.vendor == "postgresql":
        connection.close()


if __name__ == "__main__":
    main()
