"""Why the lexical index scores every query term: what pruning frequent terms would buy and cost.

    .venv/bin/python bench/lexical_pruning.py [--corpora DIR] [--claims DIR] [--sizes 0,1000000]

tantivy-py (0.27) always collects top-k through a MultiCollector, so tantivy's
block-max WAND never runs: a query scores every posting of every term, and its time
grows with the summed document frequency (df) of its terms. This script measures,
on the same index, the exact query (``LexicalIndex.search``) against two ways of
bounding that work by dropping the most frequent query terms:

- ``budget B``: keep the rarest terms while their summed df stays <= B postings
  (the rarest term is always kept); the work is then bounded whatever the size;
- ``share c``: drop terms found in more than a share c of the passages when at
  least 3 (2 for c = 0.1) rarer terms remain; the same terms at every size.

The index holds the first N passages of bench/retrieval.py's corpus (cycled past
the 314,300 distinct ones, as there) plus the 10,375 verified claims of CheckThat!
2020 task 2 indexed as ``claims.evaluation.claim_matching`` indexes them. Per size
and variant: p50/p95 ms and postings scored for bench/retrieval.py's 200 rss
headlines, their top-10 agreement with the exact query (distinct passages), and
claim matching by BM25 alone (MAP@5, train and dev): can the tweet still find its
fact-check among N other passages? Size 0 is the claim-matching index alone.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import tantivy  # noqa: E402

from claims.evaluation.claim_matching import _tsv, read_qrels, score  # noqa: E402
from claims.retrieval.lexical import KEY, LexicalIndex  # noqa: E402
from claims.retrieval.text import clean_query, terms  # noqa: E402
from retrieval import pct, read_passages  # noqa: E402

OFFSET = 10_000_000  # passage keys start here; verified claim ids stay as they are


class Hit:
    def __init__(self, key):
        self.id, self.signals = key, {}


def keep_all(searcher, dfs):
    return [t for _, t in dfs]


def budget(limit):
    def keep(searcher, dfs):
        kept, total = [], 0
        for df, term in sorted(dfs):
            if kept and total + df > limit:
                break
            kept.append(term)
            total += df
        return kept
    return keep


def share(c, rarer):
    def keep(searcher, dfs):
        kept = [t for df, t in dfs if df <= c * searcher.num_docs]
        return kept if len(kept) >= rarer else [t for _, t in dfs]
    return keep


VARIANTS = {
    "exact (product)": keep_all,
    "budget 10k postings": budget(10_000),
    "budget 20k postings": budget(20_000),
    "budget 40k postings": budget(40_000),
    "share 0.02, 3 rarer": share(0.02, 3),
    "share 0.05, 3 rarer": share(0.05, 3),
    "share 0.1, 2 rarer": share(0.1, 2),
}


def search(index, text, keep, k=50):
    """LexicalIndex.search with the query's terms filtered by ``keep``; also the postings scored."""
    searcher = index._searcher
    query_terms = list(dict.fromkeys(terms(text)))[:64]
    if not query_terms:
        return [], 0
    dfs = [(searcher.doc_freq("text", t), t) for t in query_terms]
    kept = keep(searcher, dfs)
    query = tantivy.Query.boolean_query(
        [(tantivy.Occur.Should, tantivy.Query.term_query(index.schema, "text", t)) for t in kept]
    )
    hits = searcher.search(query, limit=k, count=False).hits
    keys = searcher.fast_field_values(KEY, [a for _, a in hits])
    return [int(key) for key in keys], sum(df for df, t in dfs if t in kept)


def wand_check(index, headlines) -> dict:
    """Top-10 of (rarest term), (most frequent term), (both): with block-max WAND the pair
    would cost about the rare term alone; without it, about the frequent one."""
    searcher = index._searcher
    vocabulary = {t for q in headlines for t in terms(q)}
    dfs = sorted((searcher.doc_freq("text", t), t) for t in vocabulary)
    rare = next(t for df, t in dfs if df >= 10)
    frequent = dfs[-1][1]
    out = {"rare": [rare, searcher.doc_freq("text", rare)], "frequent": [frequent, dfs[-1][0]]}
    for label, words in (("rare_ms", [rare]), ("frequent_ms", [frequent]), ("both_ms", [rare, frequent])):
        query = tantivy.Query.boolean_query([(tantivy.Occur.Should, tantivy.Query.term_query(index.schema, "text", w)) for w in words])
        best = []
        for count in (False, True):
            times = []
            for _ in range(30):
                t0 = time.perf_counter()
                searcher.search(query, limit=10, count=count)
                times.append(time.perf_counter() - t0)
            best.append(round(min(times) * 1000, 3))
        out[label] = best  # [count=False, count=True]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpora", default=str(ROOT.parent / "shared" / "corpora"))
    parser.add_argument("--claims", default=str(ROOT.parent / "shared" / "datasets" / "claim-matching"))
    parser.add_argument("--sizes", default="0,1000000")
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    distinct, headlines = read_passages(Path(args.corpora), max(max(sizes), 1))
    headlines = headlines[: args.queries]
    folder = Path(args.claims)
    rows = _tsv(str(folder / "verified_claims.tsv"))
    splits = {
        name: ([(r[0], clean_query(r[1])) for r in _tsv(str(folder / f"{name}_queries.tsv"))], read_qrels(str(folder / f"{name}_qrels.tsv")))
        for name in ("train", "dev")
    }
    for n in sizes:
        index = LexicalIndex(fields=("text", "title"))
        index.add((int(r[0]), {"text": f"{r[2]}\n{r[1]}" if len(r) > 2 and r[2] else r[1], "title": r[2] if len(r) > 2 else ""}) for r in rows)
        for start in range(0, n, 20_000):
            index.add((OFFSET + i, {"text": distinct[i % len(distinct)], "title": ""}) for i in range(start, min(n, start + 20_000)))
        index.commit()
        exact = {q: search(index, q, keep_all)[0] for q in headlines}
        for name, keep in VARIANTS.items():
            times, postings, agree = [], [], []
            for q in headlines:
                t0 = time.perf_counter()
                keys, scored = search(index, q, keep)
                times.append(time.perf_counter() - t0)
                postings.append(scored)
                # Passages repeat past 314,300: compare distinct passages, not keys.
                mine, ref = ({(k - OFFSET) % len(distinct) if k >= OFFSET else -k for k in ks[:10]} for ks in (keys, exact[q]))
                agree.append(len(mine & ref) / len(ref) if ref else 1.0)
            row = {"passages": n, "index": len(index), "variant": name,
                   "p50_ms": round(pct(times, 50), 3), "p95_ms": round(pct(times, 95), 3),
                   "postings_p50": sorted(postings)[len(postings) // 2], "postings_max": max(postings),
                   "top10_agreement": round(sum(agree) / len(agree), 3)}
            for split, (queries, relevant) in splits.items():
                results = {qid: [Hit(k) for k in search(index, text, keep, k=10)[0]] for qid, text in queries}
                row[f"{split}_map_at_5"] = score(results, relevant)["map_at_5"]
            print(json.dumps(row), flush=True)
        if n == max(sizes):
            print(json.dumps({"passages": n, "wand_check": wand_check(index, headlines)}), flush=True)
        del index


if __name__ == "__main__":
    main()
