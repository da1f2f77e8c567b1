"""API speed under gunicorn: the claims list at N concurrent clients, and article ingest.

    DATABASE_URL=postgres://... REDIS_URL=redis://.../N python bench/api.py \
        [--claims 2000] [--concurrency 32] [--requests 2000] [--ingest 2000] [--gunicorn-workers 5]

Scratch database ``factdesk_bench_api`` (dropped and re-created; PostgreSQL
expected, SQLite works for a try). Seeds articles, claims with five candidate
sources each and some verdicts straight through the ORM, issues a token, and
starts gunicorn (sync workers) on config.wsgi with DEBUG=0 and throttling off.
Clients are threads with one keep-alive HTTP connection each, in a closed
loop (a client sends its next request as soon as the answer arrives).

Measures, each printed with throughput, p50/p95 latency and the ratio to the
baseline run in this same process:
- claims list (GET /api/v1/claims/?page_size=50) at --concurrency clients;
  baseline: the same request from 1 client;
- ingest (POST /api/v1/articles/, distinct external ids, 202 expected) at
  --concurrency clients; baseline: 1 client. Extraction messages go to the
  broker (no worker runs; they are purged at the end).
Peak RSS: this process, and the gunicorn master plus workers summed (sampled).
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import resource
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SENTENCES = [
    "Vladimir Putin met Kim Jong Un at the Vostochny Cosmodrome on 13 September 2023.",
    "Unemployment fell to 4.2% in the second quarter, the statistics office said.",
    "The council approved a budget of 12 million pounds for road repairs in 2024.",
    "Sergey Lavrov arrived in Pyongyang on 18 October 2023 for two days of talks.",
    "Exports to China rose by 7% last year, according to the trade ministry.",
]


def _configure(scratch: Path) -> str:
    os.environ.setdefault("DEBUG", "1")
    os.environ["FACTDESK_DATA_DIR"] = str(scratch)
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        import psycopg

        base, _, _ = url.rpartition("/")
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("DROP DATABASE IF EXISTS factdesk_bench_api WITH (FORCE)")
            conn.execute("CREATE DATABASE factdesk_bench_api")
        os.environ["DATABASE_URL"] = f"{base}/factdesk_bench_api"
    else:
        os.environ["DATABASE_URL"] = f"sqlite:///{scratch / 'bench.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return os.environ["DATABASE_URL"]


def _seed(n_claims: int) -> str:
    from django.contrib.auth import get_user_model

    from claims.models import Article, Candidate, Claim, SourceDocument
    from claims.services.tokens import token_issue
    from reviewers.models import Rating, RatingScale, Verdict

    User = get_user_model()
    reviewer = User.objects.create_user("bench-reviewer")
    scale = RatingScale.objects.create(name="Bench", best_rating=5, worst_rating=1, is_default=True)
    ratings = [Rating.objects.create(scale=scale, value=v, label=f"R{v}") for v in range(1, 6)]
    docs = SourceDocument.objects.bulk_create(
        SourceDocument(title=f"Reference {i}", body=" ".join(SENTENCES) * 3, url=f"https://ref.example.org/{i}", content_hash=str(i))
        for i in range(100)
    )
    per_article = len(SENTENCES)
    body = " ".join(SENTENCES)
    articles = Article.objects.bulk_create(
        Article(headline=f"Bench {i}", body=body, content_hash=str(i), status=Article.Status.PROCESSED)
        for i in range(max(1, n_claims // per_article))
    )
    claims = []
    for article in articles:
        offset = 0
        for sentence in SENTENCES:
            claims.append(
                Claim(
                    article=article, text=sentence, normalized_text=sentence, span_start=offset,
                    span_end=offset + len(sentence), score=0.8, tags=["number", "date"],
                    status=Claim.Status.READY_FOR_REVIEW,
                )
            )
            offset += len(sentence) + 1
    claims = Claim.objects.bulk_create(claims)
    Candidate.objects.bulk_create(
        Candidate(claim=c, document=docs[(c.pk * 7 + r) % len(docs)], provider="reference_corpus", score=1.0 / (r + 1), rank=r + 1, passage=SENTENCES[r])
        for c in claims
        for r in range(5)
    )
    Verdict.objects.bulk_create(
        Verdict(claim=c, reviewer=reviewer, rating=ratings[c.pk % 5], explanation="Checked.") for c in claims[::10]
    )
    user = User.objects.create_user("bench-cms")
    return token_issue(user=user, scopes=["ingest", "read"])[1]


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _tree_rss_kb(root: int) -> int:
    pids = [root]
    try:
        children = Path(f"/proc/{root}/task/{root}/children").read_text().split()
        pids += [int(p) for p in children]
    except OSError:
        pass
    return sum(_rss_kb(p) for p in pids)


def _run(port: int, token: str, *, clients: int, total: int, make_request) -> dict:
    """Closed loop: ``clients`` threads share ``total`` requests. Returns latencies and throughput."""
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    counter = iter(range(total))

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine: list[float] = []
        while True:
            with lock:
                n = next(counter, None)
            if n is None:
                break
            method, path, body, expected = make_request(n)
            headers = {"Authorization": f"Bearer {token}", "Host": "127.0.0.1"}
            if body is not None:
                headers["Content-Type"] = "application/json"
            start = time.perf_counter()
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
            mine.append(time.perf_counter() - start)
            if response.status != expected:
                with lock:
                    failures.append(f"{response.status} {data[:200]!r}")
        conn.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    latencies.sort()
    return {
        "requests": len(latencies),
        "failures": len(failures),
        "first_failure": failures[0] if failures else None,
        "per_s": len(latencies) / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p95_ms": latencies[int(0.95 * (len(latencies) - 1))] * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--claims", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--requests", type=int, default=2000, help="claims-list requests at full concurrency")
    parser.add_argument("--ingest", type=int, default=2000, help="articles posted at full concurrency")
    parser.add_argument("--page-size", type=int, default=50)
    parser.add_argument("--gunicorn-workers", type=int, default=(os.cpu_count() or 1) * 2 + 1)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="factdesk-bench-api-"))
    database_url = _configure(scratch)
    t0 = time.perf_counter()
    token = _seed(args.claims)
    print(f"seeded {args.claims} claims in {time.perf_counter() - t0:.1f} s on {database_url.split('@')[-1]}")

    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(40),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "FACTDESK_API_RATE_READ": "",
        "FACTDESK_API_RATE_WRITE": "",
        "LOG_LEVEL": "WARNING",
        "CELERY_TASK_ALWAYS_EAGER": "0",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{args.port}",
         "--workers", str(args.gunicorn_workers), "--worker-class", "sync", "--keep-alive", "30",
         "--backlog", "2048", "--log-level", "warning"],
        cwd=ROOT, env=env,
    )
    peak_server = 0
    stop = threading.Event()

    def sample():
        nonlocal peak_server
        while not stop.is_set():
            peak_server = max(peak_server, _tree_rss_kb(server.pid))
            time.sleep(0.1)

    try:
        for _ in range(100):
            try:
                conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=2)
                conn.request("GET", "/api/v1/claims/?page_size=1", headers={"Authorization": f"Bearer {token}", "Host": "127.0.0.1"})
                status = conn.getresponse().status
                conn.close()
                if status == 200:
                    break
            except OSError:
                time.sleep(0.2)
        else:
            raise SystemExit("gunicorn did not answer")
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()

        list_path = f"/api/v1/claims/?page_size={args.page_size}"

        def list_request(n):
            return "GET", list_path, None, 200

        run_id = secrets.token_hex(4)

        def ingest_request(n):
            body = json.dumps({"external_id": f"bench-{run_id}-{n}", "headline": f"Bench {n}", "body": " ".join(SENTENCES) + f" Item {n}."})
            return "POST", "/api/v1/articles/", body, 202

        _run(args.port, token, clients=args.concurrency, total=200, make_request=list_request)  # warm every worker
        base = _run(args.port, token, clients=1, total=max(100, args.requests // 10), make_request=list_request)
        full = _run(args.port, token, clients=args.concurrency, total=args.requests, make_request=list_request)
        ingest_base = _run(args.port, token, clients=1, total=max(100, args.ingest // 10), make_request=lambda n: ingest_request(10**7 + n))
        ingest = _run(args.port, token, clients=args.concurrency, total=args.ingest, make_request=ingest_request)
    finally:
        stop.set()
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        if os.environ.get("REDIS_URL"):
            from config.celery_app import app

            app.control.purge()

    def show(name, run, baseline):
        print(
            f"{name}: {run['requests']} requests, {run['failures']} failed, {run['per_s']:.0f}/s, "
            f"p50 {run['p50_ms']:.1f} ms, p95 {run['p95_ms']:.1f} ms; baseline (1 client) {baseline['per_s']:.0f}/s, "
            f"p95 {baseline['p95_ms']:.1f} ms; ratio throughput x{run['per_s'] / baseline['per_s']:.2f}, "
            f"p95 x{run['p95_ms'] / baseline['p95_ms']:.2f}"
        )
        if run["first_failure"]:
            print(f"  first failure: {run['first_failure']}")

    print(f"gunicorn: {args.gunicorn_workers} sync workers; {args.concurrency} clients; page_size {args.page_size}; {os.cpu_count()} CPUs")
    show(f"claims list (page {args.page_size})", full, base)
    show("ingest (POST /api/v1/articles/)", ingest, ingest_base)
    print(
        f"peak RSS: bench process {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB, "
        f"gunicorn master + workers {peak_server / 1024:.0f} MB"
    )


if __name__ == "__main__":
    main()
