"""Sentence-embedding throughput and latency on real news text (claims.nlp.embeddings).

    HF_HUB_OFFLINE=1 .venv/bin/python bench/embeddings.py [CORPUS.jsonl] [--n 2048] [--batch 32] [--threads N]

CORPUS is JSONL with a ``text`` field (default ``../shared/corpora/rss2023_news_sep_nov.jsonl``
next to the repository; read in place, never copied). The first ``--n`` non-empty texts
are used. For the chosen backend (ONNX Runtime) and then, in the same process, the
baseline (pure numpy), prints: model load time, sentences/s for one ``encode()`` call
over all texts (length-sorted batches of ``--batch``), p50/p95 ms per request-shaped
batch of ``--batch`` consecutive texts, and peak RSS so far (``ru_maxrss`` only grows, so
the baseline's figure includes the chosen backend's memory). ``--threads`` sets
FACTDESK_EMBEDDING_THREADS for ONNX Runtime (numpy's BLAS picks its own).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpora" / "rss2023_news_sep_nov.jsonl"


def read_texts(path: Path, n: int) -> list[str]:
    texts: list[str] = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            text = (json.loads(line).get("text") or "").strip()
            if text:
                texts.append(text)
                if len(texts) >= n:
                    break
    if not texts:
        raise SystemExit(f"no texts in {path}")
    return texts


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def run(backend: str, texts: list[str], batch: int) -> dict:
    from claims.nlp.embeddings import Encoder

    t0 = time.perf_counter()
    encoder = Encoder(backend=backend)  # type: ignore[arg-type]
    load_s = time.perf_counter() - t0
    encoder.encode(texts[:batch], batch_size=batch)  # warm-up: first-run allocations, ORT arenas

    t0 = time.perf_counter()
    encoder.encode(texts, batch_size=batch)
    throughput = len(texts) / (time.perf_counter() - t0)

    latencies: list[float] = []
    for start in range(0, len(texts) - batch + 1, batch):
        chunk = texts[start : start + batch]
        t0 = time.perf_counter()
        encoder.encode(chunk, batch_size=batch)
        latencies.append((time.perf_counter() - t0) * 1000)
    return {
        "backend": backend,
        "lengths": sorted(len(ids) for ids in encoder.tokenize(texts)),
        "load_s": load_s,
        "sentences_per_s": throughput,
        "p50_ms": statistics.median(latencies),
        "p95_ms": percentile(latencies, 95),
        "batches": len(latencies),
        "peak_rss_mb": peak_rss_mb(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", nargs="?", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--n", type=int, default=2048, help="number of texts (default 2048)")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--threads", type=int, default=None, help="ORT intra-op threads (default: ORT chooses)")
    parser.add_argument("--backends", default="onnx,numpy", help="chosen backend first, then baselines")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if args.threads is not None:
        os.environ["FACTDESK_EMBEDDING_THREADS"] = str(args.threads)

    texts = read_texts(args.corpus, args.n)
    print(f"corpus {args.corpus}: {len(texts)} texts; batch {args.batch}; "
          f"FACTDESK_EMBEDDING_THREADS={os.environ.get('FACTDESK_EMBEDDING_THREADS', '(unset)')}; "
          f"cpus {os.cpu_count()}; peak RSS before any model {peak_rss_mb():.0f} MB")
    print(f"{'backend':<8} {'load s':>7} {'sent/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'peak RSS MB':>12}")
    lengths: list[int] = []
    for backend in args.backends.split(","):
        r = run(backend.strip(), texts, args.batch)
        lengths = lengths or r["lengths"]
        print(f"{r['backend']:<8} {r['load_s']:>7.2f} {r['sentences_per_s']:>8.0f} {r['p50_ms']:>8.1f} "
              f"{r['p95_ms']:>8.1f} {r['peak_rss_mb']:>12.0f}", flush=True)
    print(f"word pieces per text (with [CLS]/[SEP], cap 256): p50 {lengths[len(lengths) // 2]}, "
          f"p95 {percentile(lengths, 95)}, max {lengths[-1]}")


if __name__ == "__main__":
    main()
