"""Evidence passages: does the suggested quote come from the right sentences (WiCE)?

For each claim, the sentences of its cited page are ranked by the product's own
passage ranker (``claims.retrieval.passages.score_sentences``, the code that picks
a candidate's suggested quote). Reported: the share of claims with any gold
supporting sentence in the top 5 (``any_at_5``), and with a complete gold
supporting set in the top 10 (``full_at_10``), over the claims that have a gold
supporting set (``claims``): a claim WiCE marks not supported with no supporting
sentence at all has nothing to find. The same two shares over every claim, such
claims counted as misses, are ``any_at_5_all`` and ``full_at_10_all`` (at most
162 / 175 = 0.926 on WiCE dev). Plain Python: reads a file, writes nothing
(except the optional embedding cache).
"""
from __future__ import annotations

import json
import time

import numpy as np

from claims.retrieval import passages as ranker


def add_arguments(parser):
    parser.add_argument("--data", required=True, help="WiCE JSONL: claim, evidence (sentences), supporting_sentences")
    parser.add_argument("--lexical-only", action="store_true", help="BM25 alone (no embeddings), for comparison")
    parser.add_argument("--embedding-cache", metavar="DIR", help="keep embeddings in DIR between runs (e.g. var/eval-cache)")


def run(options: dict) -> dict:
    started = time.perf_counter()
    rows = []
    with open(options["data"], encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                row = json.loads(line)
                if not isinstance(row.get("evidence"), list) or "claim" not in row:
                    raise SystemExit(f"{options['data']}:{number}: expected claim, evidence and supporting_sentences")
                rows.append(row)
    encode = None
    if not options.get("lexical_only"):
        from claims.evaluation.embedding_cache import cached
        from claims.nlp.embeddings import get_encoder

        encode = cached(get_encoder().encode, options.get("embedding_cache"))
    any5 = full10 = with_gold = 0
    for row in rows:
        scores = ranker.score_sentences(row["claim"], row["evidence"], encode=encode)
        order = list(np.argsort(-scores, kind="stable"))
        gold = [set(group) for group in row.get("supporting_sentences", []) if group]
        with_gold += bool(gold)
        any5 += any(i in order[:5] for group in gold for i in group)
        full10 += any(group <= set(order[:10]) for group in gold)
    n = len(rows)
    return {
        "any_at_5": round(any5 / with_gold, 4) if with_gold else 0.0,
        "full_at_10": round(full10 / with_gold, 4) if with_gold else 0.0,
        "claims": with_gold,
        "any_at_5_all": round(any5 / n, 4) if n else 0.0,
        "full_at_10_all": round(full10 / n, 4) if n else 0.0,
        "claims_all": n,
        "lexical_weight": ranker.LEXICAL_WEIGHT,
        "semantic_weight": ranker.SEMANTIC_WEIGHT if encode else 0.0,
        "neighbour_share": ranker.NEIGHBOUR_SHARE,
        "dateline_rank": ranker.DATELINE_RANK,
        "seconds": round(time.perf_counter() - started, 1),
    }


def render(result: dict) -> str:
    return "\n".join([
        f"evidence passages, {result['claims']} claims with a gold supporting set (of {result['claims_all']})",
        f"  any gold sentence in top 5   {result['any_at_5']:.3f}  (over all claims {result['any_at_5_all']:.3f})",
        f"  full gold set in top 10      {result['full_at_10']:.3f}  (over all claims {result['full_at_10_all']:.3f})",
        f"  weights: lexical {result['lexical_weight']}, semantic {result['semantic_weight']}, neighbours {result['neighbour_share']}, "
        f"dateline within the first {result['dateline_rank']}",
    ])
