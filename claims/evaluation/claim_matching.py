"""Claim matching: find the previously verified claim a post repeats (CheckThat! 2020 task 2).

Runs the retrieval the ``previously_verified`` provider runs: each verified claim is
one passage (the claim) with its fact-check title, indexed and embedded with the
title like a fact-check's first passage; queries are cleaned like claims (URLs, @handles, '#',
the tweet's signature line dropped); hybrid search with the product's weights
(``claims.retrieval.collection.WEIGHTS``). ``--tune-queries/--tune-qrels`` grid-search
the fusion weights on a training split first and report the given split with them.
Plain Python: reads files, writes nothing.
"""
from __future__ import annotations

import csv
import itertools
import sys
import time
from pathlib import Path

import numpy as np

from claims.retrieval.collection import METHOD, RRF_K, WEIGHTS, HybridIndex
from claims.retrieval.hybrid import fuse
from claims.retrieval.text import clean_query

STRONG_COSINE = 0.72  # mirrors claims.providers.database: reported for the thresholds


def add_arguments(parser):
    parser.add_argument("--claims", required=True, help="verified_claims.tsv (vclaim_id, vclaim, title)")
    parser.add_argument("--queries", required=True, help="queries TSV (tweet_id, tweet_content)")
    parser.add_argument("--qrels", required=True, help="TREC qrels (tweet_id 0 vclaim_id 1)")
    parser.add_argument("--tune-queries", help="training queries to tune the fusion weights on first")
    parser.add_argument("--tune-qrels", help="training qrels for --tune-queries")
    parser.add_argument("--embedding-cache", metavar="DIR", help="keep embeddings in DIR between runs (e.g. var/eval-cache)")


def _tsv(path: str) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle, delimiter="\t"))
    return [r for r in rows[1:] if r and r[0].strip().isdigit()]


def read_qrels(path: str) -> dict[str, set[int]]:
    relevant: dict[str, set[int]] = {}
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) >= 4 and parts[0].isdigit() and parts[3] != "0":
            relevant.setdefault(parts[0], set()).add(int(parts[2]))
    return relevant


def build_index(claims_path: str, encode) -> HybridIndex:
    rows = _tsv(claims_path)
    keys = [int(r[0]) for r in rows]
    texts = [r[1] for r in rows]
    titles = [r[2] if len(r) > 2 else "" for r in rows]
    index = HybridIndex()
    # As claims.retrieval.store indexes a fact-check's first passage: title + claim
    # in the lexical text, "title. claim" embedded.
    lexical = [f"{ti}\n{t}" if ti else t for t, ti in zip(texts, titles)]
    index.add(keys, lexical, titles, encode([f"{ti}. {t}" if ti else t for t, ti in zip(texts, titles)]))
    index.commit()
    return index


def search_all(index, queries, encode, weights, method=METHOD, rrf_k=RRF_K):
    texts = [clean_query(q) for _, q in queries]
    vectors = encode(texts)
    return {qid: index.search(text, vec, k=10, depth=50, weights=weights, method=method, rrf_k=rrf_k)
            for (qid, _), text, vec in zip(queries, texts, vectors)}


def score(results, relevant) -> dict:
    ap5, rr, r10 = [], [], []
    strong = strong_right = 0
    for qid, hits in results.items():
        gold = relevant.get(qid, set())
        ranked = [h.id for h in hits]
        found, precision_sum = 0, 0.0
        for i, key in enumerate(ranked[:5], start=1):
            if key in gold:
                found += 1
                precision_sum += found / i
        ap5.append(precision_sum / min(len(gold), 5) if gold else 0.0)
        rr.append(next((1.0 / i for i, key in enumerate(ranked, 1) if key in gold), 0.0))
        r10.append(len(set(ranked[:10]) & gold) / len(gold) if gold else 0.0)
        if hits and hits[0].signals.get("cosine", 0.0) >= STRONG_COSINE:
            strong += 1
            strong_right += hits[0].id in gold
    n = len(results)
    return {
        "map_at_5": round(float(np.mean(ap5)), 4) if n else 0.0,
        "mrr": round(float(np.mean(rr)), 4) if n else 0.0,
        "recall_at_10": round(float(np.mean(r10)), 4) if n else 0.0,
        "queries": n,
        "strong_share": round(strong / n, 4) if n else 0.0,
        "strong_precision": round(strong_right / strong, 4) if strong else None,
    }


GRID = {"text": [1.0], "title": [0.0, 0.25, 0.5], "cosine": [0.75, 1.0, 1.25, 1.5, 2.0]}
RRF_KS = [5, 10, 20, 60]


def tune(index, queries, relevant, encode) -> tuple[dict[str, float], int]:
    """The fusion weights and RRF k with the best MAP@5 on ``queries`` (a training split)."""
    texts = [clean_query(q) for _, q in queries]
    vectors = encode(texts)
    # Each query's rankings once; only the fusion changes across the grid.
    rankings = {qid: index.rankings(t, v, depth=50) for (qid, _), t, v in zip(queries, texts, vectors)}
    best = None
    for values in itertools.product(*GRID.values()):
        weights = dict(zip(GRID, values))
        for rrf_k in RRF_KS:
            results = {qid: fuse(r, weights, method=METHOD, normalise=("text", "title"), k=rrf_k)[:10]
                       for qid, r in rankings.items()}
            value = score(results, relevant)["map_at_5"]
            if best is None or value > best[0]:
                best = (value, weights, rrf_k)
    return best[1], best[2]


def run(options: dict) -> dict:
    from claims.nlp.embeddings import get_encoder

    from claims.evaluation.embedding_cache import cached

    encode = cached(get_encoder().encode, options.get("embedding_cache"))
    started = time.perf_counter()
    index = build_index(options["claims"], encode)
    weights, rrf_k = dict(WEIGHTS), RRF_K
    tuned_on = None
    if options.get("tune_queries"):
        if not options.get("tune_qrels"):
            raise SystemExit("--tune-queries needs --tune-qrels")
        weights, rrf_k = tune(index, [(r[0], r[1]) for r in _tsv(options["tune_queries"])], read_qrels(options["tune_qrels"]), encode)
        tuned_on = options["tune_queries"]
    queries = [(r[0], r[1]) for r in _tsv(options["queries"])]
    relevant = read_qrels(options["qrels"])
    result = score(search_all(index, queries, encode, weights, rrf_k=rrf_k), relevant)
    result.update({"weights": weights, "method": METHOD, "rrf_k": rrf_k, "tuned_on": tuned_on, "claims": len(index),
                   "seconds": round(time.perf_counter() - started, 1)})
    return result


def render(result: dict) -> str:
    return "\n".join([
        f"claim matching over {result['claims']} verified claims, {result['queries']} queries",
        f"  MAP@5      {result['map_at_5']:.3f}",
        f"  MRR        {result['mrr']:.3f}",
        f"  Recall@10  {result['recall_at_10']:.3f}",
        f"  strong (top-1 cosine >= {STRONG_COSINE}): {result['strong_share']:.1%} of queries, precision {result['strong_precision']}",
        f"  fusion {result['method']} (k {result['rrf_k']}) weights {result['weights']}" + (f" (tuned on {result['tuned_on']})" if result["tuned_on"] else ""),
    ])
