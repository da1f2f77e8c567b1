"""API speed under gunicorn: the claims list at N concurrent clients, and article ingest.

    DATABASE_URL=postgres://... REDIS_URL=redis://.../N python bench/api.py \
        [--claims 2000] [--concurrency 32] [--requests 2000] [--ingest 2000] [--gunicorn-workers 5]
        [--worker-class sync|gthread] [--threads 1] [--write-rate 10]

Scratch database ``factdesk_bench_api`` (dropped and re-created; PostgreSQL
expected, SQLite works for a try). Seeds articles, claims with five candidate
sources each and some verdicts straight through the ORM, issues a token, and
starts gunicorn on config.wsgi with DEBUG=0 and throttling off (by default as
docs/operations.md runs it: sync workers, 2 x CPUs + 1).
Clients are asyncio tasks in this one process (no threads, so the load
generator costs little CPU; its CPU time is printed), each with one HTTP/1.1
connection, kept alive when the worker class allows it (gthread; sync workers
close after each answer), in a closed loop: a client sends its next request as
soon as the answer arrives. gunicorn's own CPU time per phase is printed too.

Measures, each printed with throughput, p50/p95 latency and the ratio to the
baseline run in this same process:
- claims list (GET /api/v1/claims/?page_size=50) at --concurrency clients, as
  configured (with REDIS_URL the rendered page is reused until a committed write
  changes it: claims/api/caching.py); baseline: the same request from 1 client;
- the same while this process commits --write-rate claim changes a second (each
  one invalidates every cached page, so pages are rebuilt all through the run);
- the same with the API caches off (FACTDESK_API_CACHE_SECONDS=0, a gunicorn
  started for it), the cost of building every page per request;
- ingest (POST /api/v1/articles/, distinct external ids, 202 expected) at
  --concurrency clients; baseline: 1 client. Extraction messages go to the
  broker (no worker runs; they are purged at the end).
Peak RSS: this process, and the gunicorn master plus workers summed (sampled).
"""
from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import os
import random
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

from scratch import scratch_database  # noqa: E402  (bench/scratch.py, beside this script)

SENTENCES = [
    "Vladimir Putin met Kim Jong Un at the Vostochny Cosmodrome on 13 September 2023.",
    "Unemployment fell to 4.2% in the second quarter, the statistics office said.",
    "The council approved a budget of 12 million pounds for road repairs in 2024.",
    "Sergey Lavrov arrived in Pyongyang on 18 October 2023 for two days of talks.",
    "Exports to China rose by 7% last year, according to the trade ministry.",
]


def _configure(scratch: Path) -> str:
    os.environ.setdefault("DEBUG", "1")
    return scratch_database(scratch, "factdesk_bench_api")


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
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # planner statistics, as a live database has them (autovacuum is not instant)
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


def _tree_cpu_s(root: int) -> float:
    """User + system CPU seconds of ``root`` and its direct children (gunicorn's master and workers)."""
    pids = [root]
    try:
        pids += [int(p) for p in Path(f"/proc/{root}/task/{root}/children").read_text().split()]
    except OSError:
        pass
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
        except (OSError, IndexError, ValueError):
            pass
    return ticks / os.sysconf("SC_CLK_TCK")


def _tree_rss_kb(root: int) -> int:
    pids = [root]
    try:
        children = Path(f"/proc/{root}/task/{root}/children").read_text().split()
        pids += [int(p) for p in children]
    except OSError:
        pass
    return sum(_rss_kb(p) for p in pids)


async def _exchange(state: dict, method: str, path: str, body: bytes | None, headers: bytes) -> tuple[int, bytes]:
    """One HTTP/1.1 request on the client's connection, reconnecting when the server closed it."""
    for attempt in (1, 2):
        if state.get("writer") is None:
            state["reader"], state["writer"] = await asyncio.open_connection("127.0.0.1", state["port"])
        reader, writer = state["reader"], state["writer"]
        try:
            head = f"{method} {path} HTTP/1.1\r\n".encode() + headers
            if body is not None:
                head += b"Content-Type: application/json\r\nContent-Length: " + str(len(body)).encode() + b"\r\n"
            writer.write(head + b"\r\n" + (body or b""))
            status_line = await reader.readline()
            if not status_line:
                raise ConnectionResetError("closed before the answer")
            status = int(status_line.split(b" ", 2)[1])
            length, close = None, False
            while True:
                line = await reader.readline()
                if line in (b"\r\n", b"\n", b""):
                    break
                name, _, value = line.partition(b":")
                name = name.strip().lower()
                if name == b"content-length":
                    length = int(value)
                elif name == b"connection" and value.strip().lower() == b"close":
                    close = True
            data = await reader.readexactly(length) if length is not None else await reader.read()
            if close or length is None:
                writer.close()
                state["writer"] = None
            return status, data
        except (ConnectionError, asyncio.IncompleteReadError):
            writer.close()
            state["writer"] = None
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _run(port: int, token: str, *, clients: int, total: int, make_request) -> dict:
    """Closed loop: ``clients`` connections share ``total`` requests, each sending its next request as soon as
    its answer has arrived. One asyncio process (no threads), so the load generator stays cheap; its own CPU
    time is measured and reported (``client_cpu_s``, ``client_cpu_ms_per_request``).
    """
    latencies: list[float] = []
    failures: list[str] = []
    counter = iter(range(total))
    headers = f"Host: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n".encode()

    async def client():
        state = {"port": port, "writer": None}
        while (n := next(counter, None)) is not None:
            method, path, body, expected = make_request(n)
            start = time.perf_counter()
            status, data = await _exchange(state, method, path, body.encode() if body is not None else None, headers)
            latencies.append(time.perf_counter() - start)
            if status != expected:
                failures.append(f"{status} {data[:200]!r}")
        if state["writer"] is not None:
            state["writer"].close()

    async def everyone():
        await asyncio.gather(*(client() for _ in range(clients)))

    cpu_before = time.process_time()
    start = time.perf_counter()
    asyncio.run(everyone())
    elapsed = time.perf_counter() - start
    cpu = time.process_time() - cpu_before
    latencies.sort()
    return {
        "requests": len(latencies),
        "failures": len(failures),
        "first_failure": failures[0] if failures else None,
        "per_s": len(latencies) / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p95_ms": latencies[int(0.95 * (len(latencies) - 1))] * 1000,
        "client_cpu_s": cpu,
        "client_cpu_ms_per_request": cpu / max(1, len(latencies)) * 1000,
        "elapsed_s": elapsed,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--claims", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--requests", type=int, default=2000, help="claims-list requests at full concurrency")
    parser.add_argument("--ingest", type=int, default=2000, help="articles posted at full concurrency")
    parser.add_argument("--page-size", type=int, default=50)
    parser.add_argument("--write-rate", type=float, default=10, help="claim changes committed per second in the churn phase")
    # Defaults: the production command in docs/operations.md (sync, 2 x CPUs + 1 workers). gthread
    # (3 x 8 threads) was measured too and was slower here: the threads of a process share one GIL.
    parser.add_argument("--gunicorn-workers", type=int, default=(os.cpu_count() or 1) * 2 + 1)
    parser.add_argument("--worker-class", default="sync", help="gunicorn worker class: sync (default; no keep-alive) or gthread")
    parser.add_argument("--threads", type=int, default=1, help="threads per gunicorn worker (gthread)")
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
    def start_server(extra_env: dict) -> subprocess.Popen:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{args.port}",
             "--workers", str(args.gunicorn_workers), "--worker-class", args.worker_class, "--threads", str(args.threads),
             "--keep-alive", "30",
             "--backlog", "2048", "--log-level", "warning"],
            cwd=ROOT, env={**env, **extra_env},
        )
        for _ in range(100):
            try:
                conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=2)
                conn.request("GET", "/api/v1/claims/?page_size=1", headers={"Authorization": f"Bearer {token}", "Host": "127.0.0.1"})
                status = conn.getresponse().status
                conn.close()
                if status == 200:
                    return server
            except OSError:
                time.sleep(0.2)
        server.kill()
        raise SystemExit("gunicorn did not answer")

    def stop_server(server: subprocess.Popen) -> None:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)

    peak_server = 0
    stop = threading.Event()
    servers: list[subprocess.Popen] = []

    def sample():
        nonlocal peak_server
        while not stop.is_set():
            for server in list(servers):
                peak_server = max(peak_server, _tree_rss_kb(server.pid))
            time.sleep(0.1)

    list_path = f"/api/v1/claims/?page_size={args.page_size}"

    def list_request(n):
        return "GET", list_path, None, 200

    run_id = secrets.token_hex(4)

    def ingest_request(n):
        body = json.dumps({"external_id": f"bench-{run_id}-{n}", "headline": f"Bench {n}", "body": " ".join(SENTENCES) + f" Item {n}."})
        return "POST", "/api/v1/articles/", body, 202

    def measured(server, **kwargs):
        """_run, plus the CPU seconds gunicorn (master + workers) used meanwhile."""
        before = _tree_cpu_s(server.pid)
        result = _run(args.port, token, **kwargs)
        result["server_cpu_s"] = _tree_cpu_s(server.pid) - before
        return result

    def with_writes(server, per_s: float, **kwargs):
        """measured(), while this process commits a change to a random claim per_s times a second (each one
        makes every cached page stale: claims/api/caching.py)."""
        from claims.models import Claim

        ids = list(Claim.objects.values_list("id", flat=True))
        done = threading.Event()
        writes = 0

        def writer():
            nonlocal writes
            rng = random.Random(7)
            while not done.wait(1 / per_s):
                Claim.objects.filter(pk=rng.choice(ids)).update(priority=rng.randint(0, 9))
                writes += 1

        thread = threading.Thread(target=writer, daemon=True)
        thread.start()
        try:
            result = measured(server, **kwargs)
        finally:
            done.set()
            thread.join()
        result["writes"] = writes
        return result

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    load_before = os.getloadavg()
    try:
        # Uncached: every page and token lookup is done per request (FACTDESK_API_CACHE_SECONDS=0).
        server = start_server({"FACTDESK_API_CACHE_SECONDS": "0"})
        servers.append(server)
        try:
            _run(args.port, token, clients=args.concurrency, total=200, make_request=list_request)  # warm every worker
            uncached = measured(server, clients=args.concurrency, total=args.requests, make_request=list_request)
        finally:
            stop_server(server)
            servers.remove(server)
        # As configured by default (with Redis: pages reused until a committed write changes them).
        server = start_server({})
        servers.append(server)
        try:
            _run(args.port, token, clients=args.concurrency, total=200, make_request=list_request)
            base = measured(server, clients=1, total=max(100, args.requests // 10), make_request=list_request)
            full = measured(server, clients=args.concurrency, total=args.requests, make_request=list_request)
            churn = with_writes(server, args.write_rate, clients=args.concurrency, total=args.requests, make_request=list_request)
            ingest_base = measured(server, clients=1, total=max(100, args.ingest // 10), make_request=lambda n: ingest_request(10**7 + n))
            ingest = measured(server, clients=args.concurrency, total=args.ingest, make_request=ingest_request)
        finally:
            stop_server(server)
            servers.remove(server)
        load_after = os.getloadavg()
    finally:
        stop.set()
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
        print(
            f"  CPU during the {run['elapsed_s']:.1f} s: bench client {run['client_cpu_s']:.1f} s "
            f"({run['client_cpu_ms_per_request']:.2f} ms/request), gunicorn {run['server_cpu_s']:.1f} s "
            f"({run['server_cpu_s'] / max(1, run['requests']) * 1000:.2f} ms/request)"
        )
        if run["first_failure"]:
            print(f"  first failure: {run['first_failure']}")

    print(
        f"gunicorn: {args.gunicorn_workers} {args.worker_class} workers x {args.threads} threads; {args.concurrency} clients; "
        f"page_size {args.page_size}; {os.cpu_count()} CPUs; load average before {load_before[0]:.2f}, after {load_after[0]:.2f}"
    )
    cache = "on (Redis)" if os.environ.get("REDIS_URL") else "off (no REDIS_URL)"
    show(f"claims list (page {args.page_size}), page cache {cache}", full, base)
    show(f"claims list, page cache {cache}, while {churn['writes']} claim changes committed ({args.write_rate:g}/s)", churn, base)
    show("claims list, API caches off (FACTDESK_API_CACHE_SECONDS=0)", uncached, base)
    print(f"  cached / uncached at {args.concurrency} clients: throughput x{full['per_s'] / uncached['per_s']:.2f}, "
          f"p95 x{full['p95_ms'] / uncached['p95_ms']:.2f}")
    show("ingest (POST /api/v1/articles/)", ingest, ingest_base)
    print(
        f"peak RSS: bench process {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB, "
        f"gunicorn master + workers {peak_server / 1024:.0f} MB"
    )


if __name__ == "__main__":
    main()
