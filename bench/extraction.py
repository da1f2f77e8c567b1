"""Extraction speed on real news: the whole engine against sentence segmentation alone.

    python bench/extraction.py [--corpus ../shared/corpora/bbc_news.jsonl] [--articles 2225]

Reads BBC articles (``text`` of each JSON line) through the path argument, runs
``claims.extraction.extract`` on each (segmentation, splitting,
decontextualization, dates, check-worthiness scoring) in this one process,
pinned to one thread, and, in the same run, the baseline: nupunkt sentence
segmentation alone, one claim per sentence. Prints articles/s and sentences/s
per core, ms per article p50/p95, the first call (model load) separately, the
time for one ~800-word article warm, and peak RSS.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "FACTDESK_EMBEDDING_THREADS"):
    os.environ.setdefault(var, "1")  # per core: one thread
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def _articles(path: Path, n: int) -> list[str]:
    texts = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            text = json.loads(line).get("text") or ""
            if text.strip():
                texts.append(text)
            if len(texts) == n:
                break
    return texts


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", default=str(ROOT.parent / "shared" / "corpora" / "bbc_news.jsonl"))
    parser.add_argument("--articles", type=int, default=2225)
    args = parser.parse_args()

    texts = _articles(Path(args.corpus), args.articles)
    published = datetime(2005, 6, 1, tzinfo=timezone.utc)

    import nupunkt

    from claims.extraction import checkworthiness, extract

    # Baseline: segmentation alone, one claim per sentence.
    started = time.perf_counter()
    baseline_sentences = sum(len(nupunkt.sent_spans_with_text(t)) for t in texts)
    baseline_seconds = time.perf_counter() - started

    started = time.perf_counter()
    extract(texts[0], published_at=published)  # first call: loads the model(s)
    first_call = time.perf_counter() - started

    per_article, claims = [], 0
    started = time.perf_counter()
    for text in texts:
        t0 = time.perf_counter()
        claims += len(extract(text, published_at=published))
        per_article.append(time.perf_counter() - t0)
    engine_seconds = time.perf_counter() - started

    words = [len(t.split()) for t in texts]
    near_800 = min(range(len(texts)), key=lambda i: abs(words[i] - 800))
    warm = []
    for _ in range(5):
        t0 = time.perf_counter()
        extract(texts[near_800], published_at=published)
        warm.append(time.perf_counter() - t0)

    n = len(texts)
    print(f"corpus: {args.corpus}; {n} articles, {sum(words)} words, {baseline_sentences} sentences; one thread")
    print(f"scorer: {getattr(checkworthiness, 'MODEL_NAME', 'claims.extraction.checkworthiness')}")
    print(f"engine: {n / engine_seconds:.1f} articles/s per core, {baseline_sentences / engine_seconds:.0f} sentences/s, "
          f"{claims} claims; ms per article p50 {statistics.median(per_article) * 1000:.1f}, "
          f"p95 {_pct(per_article, 0.95) * 1000:.1f}")
    print(f"first call (loads the model): {first_call * 1000:.0f} ms")
    print(f"one {words[near_800]}-word article, warm: best {min(warm) * 1000:.0f} ms, median {statistics.median(warm) * 1000:.0f} ms")
    print(f"baseline (nupunkt sentences only): {n / baseline_seconds:.1f} articles/s per core")
    print(f"ratio engine / baseline throughput: {baseline_seconds / engine_seconds:.3f}")
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
