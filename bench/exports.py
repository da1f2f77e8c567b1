"""Export throughput and memory: published claims as ClaimReview, live and from a frozen claim set.

    python bench/exports.py --claims 100000 [--chunk 1000]

Uses whatever DATABASE_URL says (SQLite by default) in a scratch database it
migrates itself: ``factdesk_bench_exports`` on PostgreSQL, a temporary file on
SQLite. It seeds N published claims (bulk inserts: articles of 10 claims, one
approved verdict and one citation each), then runs each phase in a forked child
so each peak RSS is that phase's own:

- live:      exports.stream("claimreview", published_claims()) as the API streams it
- build:     claimset_build (membership + every item frozen as text), the claim set task
- download:  the built set's ClaimReview download (exports.stream_claim_set)
- baseline:  the naive way, in the same run: every ClaimReview node built into a list, then one json.dumps

Prints claims/s, p50/p95 of the time per --chunk claims, bytes, and peak RSS
for each phase, and each phase's throughput as a ratio of the baseline's.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scratch import scratch_database  # noqa: E402  (bench/scratch.py, beside this script)


def _configure(scratch: Path) -> str:
    # DEBUG off: with it on, Django keeps the SQL of the last 9000 queries, and the builder's bulk inserts would
    # count as export memory. A throwaway secret key for this scratch run.
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", os.urandom(32).hex())
    return scratch_database(scratch, "factdesk_bench_exports")


def _seed(n: int) -> None:
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.utils import timezone

    from claims.models import Article, Claim
    from reviewers.models import Citation, Rating, RatingScale, Verdict

    User = get_user_model()
    reviewer = User.objects.create_user("bench-reviewer")
    editor = User.objects.create_user("bench-editor")
    scale = RatingScale.objects.create(name="Bench", best_rating=5, worst_rating=1, is_default=True)
    ratings = [Rating.objects.create(scale=scale, value=v, label=l) for v, l in
               [(1, "False"), (2, "Mostly false"), (3, "Half true"), (4, "Mostly true"), (5, "True")]]
    start = timezone.now() - timedelta(days=30)
    text = "The city spent 4.2 million euros on new bus lanes in 2023, twice the amount of 2022."
    body = " ".join([text] * 10)
    step = len(text) + 1
    for first in range(0, n, 5000):
        size = min(5000, n - first)
        with transaction.atomic():
            articles = Article.objects.bulk_create([
                Article(headline=f"Bench article {first + i}", body=body, byline="Desk reporter",
                        url=f"https://news.example.org/bench/{first + i}", external_id=f"bench-{first + i}",
                        published_at=start, status="processed")
                for i in range(0, size, 10)
            ])
            claims = Claim.objects.bulk_create([
                Claim(article=articles[i // 10], text=text, normalized_text=f"{text} (#{first + i})",
                      span_start=(i % 10) * step, span_end=(i % 10) * step + len(text), score=0.8,
                      status="published", tags=["budget"])
                for i in range(size)
            ])
            verdicts = Verdict.objects.bulk_create([
                Verdict(claim=claim, rating=ratings[(first + i) % 5], explanation="Council accounts show 3.9 million euros.",
                        status="approved", reviewer=reviewer, approved_by=editor,
                        approved_at=start + timedelta(seconds=first + i))
                for i, claim in enumerate(claims)
            ])
            Citation.objects.bulk_create([
                Citation(verdict=v, url=f"https://council.example.org/accounts/{v.claim_id}", title="Accounts 2023",
                         quoted_passage="3.9 million euros", accessed_at=start, created_by=reviewer)
                for v in verdicts
            ])


class _Sink:
    """Consumes a stream of text chunks as a client would, timing every ``every`` claims."""

    def __init__(self, every: int):
        self.every, self.bytes, self.claims, self.laps = every, 0, 0, []
        self._lap = time.perf_counter()

    def tick(self, n: int = 1) -> None:
        before, self.claims = self.claims, self.claims + n
        if n and before // self.every != self.claims // self.every:  # crossed a multiple of ``every``
            now = time.perf_counter()
            self.laps.append(now - self._lap)
            self._lap = now


def _counting(chunks, sink: _Sink):
    for chunk in chunks:
        sink.bytes += len(chunk.encode("utf-8"))
        # A node starts after each newline followed by "{" (JSON text has no raw newlines); the live
        # stream sends 100 nodes per chunk, a claim set's download one.
        sink.tick(chunk.count("\n{"))
    return sink


def _phase(name: str, every: int, n: int = 0) -> dict:
    from claims import exports, selectors
    from claims.models import ClaimSet
    from claims.services.claimsets import claimset_build, claimset_items

    sink = _Sink(every)
    started = time.perf_counter()
    if name == "seed":  # in a child too, so the parent (and so every later fork) stays small
        _seed(n)
        sink.claims = n
    elif name == "live":
        _counting(exports.stream("claimreview", selectors.published_claims()), sink)
    elif name == "build":
        from django.contrib.auth import get_user_model

        claim_set = ClaimSet.objects.create(name="bench", creator=get_user_model().objects.get(username="bench-editor"))
        claim_set = claimset_build(claim_set_id=claim_set.pk)
        sink.claims = claim_set.total
        sink.bytes = sum(len(r.encode()) for r, _ in claimset_items(claim_set))
    elif name == "download":
        claim_set = ClaimSet.objects.filter(status="ready").latest("id")
        _counting(exports.stream_claim_set("claimreview", claim_set, claimset_items(claim_set)), sink)
    elif name == "baseline":
        nodes = []
        for claim in selectors.published_claims().prefetch_related(None):
            nodes.append(exports.claim_review(claim))
            sink.tick()
        sink.bytes = len(json.dumps({"@context": exports.SCHEMA_ORG, "@graph": nodes}, ensure_ascii=False).encode("utf-8"))
    elapsed = time.perf_counter() - started
    laps = sorted(sink.laps)
    return {
        "claims": sink.claims, "seconds": elapsed, "claims_per_s": sink.claims / elapsed if elapsed else 0.0,
        "bytes": sink.bytes,
        "lap_p50_ms": statistics.median(laps) * 1000 if laps else None,
        "lap_p95_ms": laps[max(0, math.ceil(0.95 * len(laps)) - 1)] * 1000 if laps else None,  # nearest rank
    }


def _forked(name: str, every: int, n: int = 0) -> dict:
    from django.db import connections

    connections.close_all()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        try:
            result = _phase(name, every, n)
        except BaseException as exc:  # report it to the parent, then leave without running its atexit hooks
            result = {"error": f"{type(exc).__name__}: {exc}"}
        os.write(write, json.dumps(result).encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as handle:
        result = json.loads(handle.read())
    _, _, usage = os.wait4(pid, 0)
    result["peak_rss_mb"] = usage.ru_maxrss / 1024
    if "error" in result:
        raise SystemExit(f"{name}: {result['error']}")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument("--chunk", type=int, default=1000, help="claims per timed lap (p50/p95)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        url = _configure(Path(scratch))
        seeded = _forked("seed", args.chunk, args.claims)
        import resource

        print(f"database {url.split('@')[-1]}: {args.claims} published claims seeded in {seeded['seconds']:.1f}s; "
              f"parent (fork base) peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
        results = {name: _forked(name, args.chunk) for name in ("baseline", "live", "build", "download")}
    base = results["baseline"]["claims_per_s"]
    print(f"{'phase':<9} {'claims':>7} {'claims/s':>9} {'x base':>7} {'p50 ms/' + str(args.chunk):>13} {'p95':>7} {'MB out':>7} {'peak RSS MB':>12}")
    for name, r in results.items():
        p50 = f"{r['lap_p50_ms']:.1f}" if r["lap_p50_ms"] is not None else "-"
        p95 = f"{r['lap_p95_ms']:.1f}" if r["lap_p95_ms"] is not None else "-"
        print(f"{name:<9} {r['claims']:>7} {r['claims_per_s']:>9.0f} {r['claims_per_s'] / base:>7.2f} {p50:>13} {p95:>7} "
              f"{r['bytes'] / 1e6:>7.1f} {r['peak_rss_mb']:>12.0f}")


if __name__ == "__main__":
    main()
