"""Retrieval at scale: the passage index behind the database providers (claims.retrieval).

    .venv/bin/python bench/retrieval.py [--corpora DIR] [--sizes 10000,100000,1000000]
        [--real-vectors 100000] [--queries 200] [--scan-queries 20] [--cache DIR]

Passages: every record of DIR/*.jsonl (default ../shared/corpora: rss2023 news,
wikipedia 2019 leads, bbc news; read in place), title + text cut by the product's
``windows()`` (runs of whole sentences up to 600 characters). A size larger than
the number of distinct passages is topped up by repeating them in order (the
output says how many are distinct). Queries: headlines of the first ``--queries``
rss records (news-claim shaped), lexical terms + MiniLM query vector.

Vectors: the first ``--real-vectors`` passages are embedded with all-MiniLM-L6-v2
(cached in ``--cache`` as .npy so a second run does not embed again). Passages past
that reuse real vectors cyclically with Gaussian noise (sigma 0.02, renormalised) so
the HNSW graph sees no exact duplicates; the output marks such sizes "reused".

For each size, in one process: build time and RSS growth of the tantivy index and of
the HNSW index, then p50/p95 ms per query for lexical (tantivy BM25 top 50), hybrid
(query embedding + BM25 + HNSW + fusion, as ``HybridIndex.search``), and the
baselines: a plain linear scan (Python substring count of the query's words in every
passage, and exact
numpy cosine over every vector), with the speed-up of the index over the scan.
"""
from __future__ import annotations

import argparse
import json
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from claims.retrieval.collection import HybridIndex  # noqa: E402
from claims.retrieval.text import terms, windows  # noqa: E402
from claims.retrieval.vector import LinearScan  # noqa: E402


def rss_mb() -> float:
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def pct(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))] * 1000


def read_passages(folder: Path, limit: int) -> tuple[list[str], list[str]]:
    passages, headlines = [], []
    for file in sorted(folder.glob("*.jsonl")):
        with file.open(encoding="utf-8") as handle:
            for line in handle:
                record = json.loads(line)
                text = f"{record.get('title') or ''}. {record.get('text') or ''}".strip()
                passages.extend(text[s:e] for s, e in windows(text))
                if len(passages) >= limit:
                    break
        if len(passages) >= limit:
            break
    for file in sorted(folder.glob("rss*.jsonl")):
        with file.open(encoding="utf-8") as handle:
            for line in handle:
                title = json.loads(line).get("title")
                if title:
                    headlines.append(title)
                if len(headlines) >= 5000:
                    break
    return passages[:limit], headlines


def vectors_for(passages: list[str], n: int, real: int, cache: Path) -> tuple[np.ndarray, int]:
    from claims.nlp.embeddings import get_encoder

    cache.mkdir(parents=True, exist_ok=True)
    file = cache / f"minilm_{real}.npy"
    if file.exists():
        base = np.load(file)
    else:
        t0 = time.perf_counter()
        base = get_encoder().encode(passages[:real], batch_size=64).astype(np.float32)
        print(f"embedded {real} passages in {time.perf_counter() - t0:.0f} s", flush=True)
        np.save(file, base)
    if n <= len(base):
        return base[:n], n
    rng = np.random.default_rng(0)
    out = np.empty((n, base.shape[1]), dtype=np.float32)
    out[: len(base)] = base
    for start in range(len(base), n, len(base)):
        chunk = base[: min(len(base), n - start)] + rng.normal(0, 0.02, (min(len(base), n - start), base.shape[1])).astype(np.float32)
        out[start : start + len(chunk)] = chunk / np.linalg.norm(chunk, axis=1, keepdims=True)
    return out, len(base)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpora", default=str(ROOT.parent / "shared" / "corpora"))
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--real-vectors", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--scan-queries", type=int, default=20)
    parser.add_argument("--cache", default=str(ROOT / "var" / "bench-retrieval"))
    parser.add_argument("--no-hybrid", action="store_true")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    distinct, headlines = read_passages(Path(args.corpora), max(sizes))
    print(f"corpus: {len(distinct)} distinct passages from {args.corpora}/*.jsonl", flush=True)
    from claims.nlp.embeddings import get_encoder

    encoder = get_encoder()
    queries = headlines[: args.queries]
    query_vectors = encoder.encode(queries)
    encode_times = []
    for q in queries[:50]:
        t0 = time.perf_counter()
        encoder.encode([q])
        encode_times.append(time.perf_counter() - t0)
    print(f"query embedding alone: p50 {pct(encode_times, 50):.1f} ms, p95 {pct(encode_times, 95):.1f} ms")
    results = []
    for n in sizes:
        texts = [distinct[i % len(distinct)] for i in range(n)]
        keys = list(range(1, n + 1))
        row = {"passages": n, "distinct": min(n, len(distinct))}
        folder = Path(tempfile.mkdtemp(prefix="bench-retrieval-"))
        try:
            index = HybridIndex(folder)
            before = rss_mb()
            t0 = time.perf_counter()
            for start in range(0, n, 20_000):
                index.lexical.add((k, {"text": t, "title": ""}) for k, t in zip(keys[start : start + 20_000], texts[start : start + 20_000]))
            index.lexical.commit()
            row["lexical_build_s"] = round(time.perf_counter() - t0, 1)
            row["lexical_rss_mb"] = round(rss_mb() - before, 1)
            lex = []
            for q in queries:
                t0 = time.perf_counter()
                index.search_lexical(q, k=50)
                lex.append(time.perf_counter() - t0)
            row["lexical_p50_ms"], row["lexical_p95_ms"] = round(pct(lex, 50), 2), round(pct(lex, 95), 2)

            # Baseline: a plain scan counting the query's words in every passage's lower-cased text.
            lowered = [t.lower() for t in distinct[: min(n, len(distinct))]]
            scan = []
            for q in queries[: args.scan_queries]:
                t0 = time.perf_counter()
                words = [w for w in q.lower().split() if len(w) > 3]
                scores = np.fromiter((sum(w in lowered[i % len(lowered)] for w in words) for i in range(n)), dtype=np.int32, count=n)
                np.argpartition(-scores, 50)[:50]
                scan.append(time.perf_counter() - t0)
            del lowered
            row["scan_lexical_p50_ms"], row["scan_lexical_p95_ms"] = round(pct(scan, 50), 1), round(pct(scan, 95), 1)
            row["lexical_speedup_p50"] = round(pct(scan, 50) / max(pct(lex, 50), 1e-6), 1)

            if not args.no_hybrid:
                vectors, real = vectors_for(distinct, n, args.real_vectors, Path(args.cache))
                row["vectors"] = "real" if real >= n else f"{real} real, rest reused+noise"
                before = rss_mb()
                t0 = time.perf_counter()
                index.vectors.index.resize_index(n)
                index.vectors.index.add_items(vectors, np.asarray(keys), num_threads=2)
                index.keys.update(keys)
                row["hnsw_build_s"] = round(time.perf_counter() - t0, 1)
                row["hnsw_rss_mb"] = round(rss_mb() - before, 1)
                hyb = []
                for q in queries:
                    t0 = time.perf_counter()
                    qv = encoder.encode([q])[0]
                    index.search(q, qv, k=10, depth=50)
                    hyb.append(time.perf_counter() - t0)
                row["hybrid_p50_ms"], row["hybrid_p95_ms"] = round(pct(hyb, 50), 2), round(pct(hyb, 95), 2)
                hyb_no_enc = []
                for q, qv in zip(queries, query_vectors):
                    t0 = time.perf_counter()
                    index.search(q, qv, k=10, depth=50)
                    hyb_no_enc.append(time.perf_counter() - t0)
                row["hybrid_search_only_p50_ms"] = round(pct(hyb_no_enc, 50), 2)
                row["hybrid_search_only_p95_ms"] = round(pct(hyb_no_enc, 95), 2)
                flat = LinearScan(keys, vectors)
                exact = []
                for qv in query_vectors[: args.scan_queries]:
                    t0 = time.perf_counter()
                    flat.search(qv, k=50)
                    exact.append(time.perf_counter() - t0)
                row["scan_vector_p50_ms"], row["scan_vector_p95_ms"] = round(pct(exact, 50), 1), round(pct(exact, 95), 1)
                hits = [len({k for k, _ in index.vectors.search(qv, k=10)} & {k for k, _ in flat.search(qv, k=10)}) / 10
                        for qv in query_vectors[: args.scan_queries]]
                row["hnsw_recall_at_10"] = round(float(np.mean(hits)), 3)
                del flat, vectors
            row["peak_rss_mb"] = round(peak_mb())
        finally:
            del index
            shutil.rmtree(folder, ignore_errors=True)
        print(json.dumps(row), flush=True)
        results.append(row)
    if len(results) > 1:
        first, last = results[0], results[-1]
        for key in ("lexical_p95_ms", "hybrid_p95_ms", "hybrid_search_only_p95_ms"):
            if key in first and key in last:
                print(f"{key}: {last[key]} at {last['passages']} / {first[key]} at {first['passages']} = {last[key] / first[key]:.2f}x")


if __name__ == "__main__":
    main()
