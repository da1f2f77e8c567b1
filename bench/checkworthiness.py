"""Check-worthiness scoring speed (claims.extraction.checkworthiness.score).

    FACTDESK_EMBEDDING_THREADS=1 .venv/bin/python bench/checkworthiness.py \
        ../shared/datasets/checkworthiness/ct24_dev.tsv [--batch 32] [--repeat 2]

Reads the sentences of a CheckThat! TSV in place (labels unused). In one process
prints, for the shipped model (TF-IDF LR + MLP on MiniLM embeddings, with its
cascade and without), for its TF-IDF half alone, and for the lexical heuristic baseline: sentences/s over all
sentences in batches of ``--batch``, p50/p95 ms per batch, and the ratio to the
heuristic baseline; then model load time and peak RSS. Set
FACTDESK_EMBEDDING_THREADS=1 for a per-core figure.
"""
from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from claims.extraction import checkworthiness as cw  # noqa: E402


def timed(fn, texts: list[str], batch: int, repeat: int) -> tuple[float, float, float]:
    lat: list[float] = []
    started = time.perf_counter()
    for _ in range(repeat):
        for i in range(0, len(texts), batch):
            t0 = time.perf_counter()
            fn(texts[i : i + batch])
            lat.append((time.perf_counter() - t0) * 1000)
    rate = repeat * len(texts) / (time.perf_counter() - started)
    lat.sort()
    return rate, lat[len(lat) // 2], lat[min(len(lat) - 1, round(0.95 * (len(lat) - 1)))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("data")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--repeat", type=int, default=2)
    a = ap.parse_args()
    texts = [r[1] for r in cw.read_labelled(a.data)]
    t0 = time.perf_counter()
    model = cw.get_model()
    cw.score(texts[:2])  # loads the encoder too
    load = time.perf_counter() - t0
    runs = {
        "heuristic baseline": lambda b: [cw._heuristic(t) for t in b],
        "tfidf half only": model.tfidf_proba,
        "shipped (cascade)": cw.score,
        "full (no cascade)": lambda b: model.score(b, cascade=False),
    }
    base = None
    for name, fn in runs.items():
        rate, p50, p95 = timed(fn, texts, a.batch, a.repeat)
        base = base or rate
        print(f"{name:20s} {rate:9.0f} sentences/s  p50 {p50:7.2f} ms  p95 {p95:7.2f} ms per batch of {a.batch}  ratio to baseline {rate / base:.4f}")
    print(f"{len(texts)} sentences x {a.repeat}; model + encoder load {load:.2f} s; peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
