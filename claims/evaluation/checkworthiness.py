"""Check-worthiness: positive-class F1, precision and recall at the shipped threshold.

Data: a CheckThat! 2024 Task 1 TSV (``Sentence_id<TAB>Text<TAB>class_label``,
Yes/No), or an ``export_decisions`` TSV. Scores come from
``claims.extraction.checkworthiness.score``; a sentence is predicted
check-worthy when its score is >= ``THRESHOLD``.

``--json`` keys: ``f1``, ``precision``, ``recall``, ``threshold``, ``n``.
``--scorer full`` embeds every sentence (no cascade); ``--scorer heuristic``
scores with the lexical heuristic instead (the comparison baseline, threshold 0.5).
"""
from __future__ import annotations

import numpy as np


def add_arguments(parser) -> None:
    parser.add_argument("--data", required=True, help="labelled TSV (CheckThat! 2024 layout)")
    parser.add_argument("--scorer", choices=["model", "full", "heuristic"], default="model")


def figures(labels: list[bool], scores: list[float], threshold: float) -> dict:
    y = np.asarray(labels, dtype=bool)
    pred = np.asarray(scores, dtype=np.float64) >= threshold
    tp = int((pred & y).sum())
    precision = tp / int(pred.sum()) if pred.any() else 0.0
    recall = tp / int(y.sum()) if y.any() else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"f1": f1, "precision": precision, "recall": recall, "threshold": float(threshold), "n": int(len(y))}


def run(options: dict) -> dict:
    from claims.extraction import checkworthiness as cw

    rows = cw.read_labelled(options["data"])
    texts = [r[1] for r in rows]
    labels = [r[2] for r in rows]
    if options.get("scorer") == "heuristic":
        return figures(labels, [cw._heuristic(t) for t in texts], cw.HEURISTIC_THRESHOLD)
    if options.get("scorer") == "full":
        return figures(labels, list(cw.get_model().score(texts, cascade=False)), cw.THRESHOLD)
    return figures(labels, cw.score(texts), cw.THRESHOLD)


def render(result: dict) -> str:
    return (
        f"check-worthiness on {result['n']} sentences at threshold {result['threshold']:.3f}: "
        f"F1 {result['f1']:.3f}  precision {result['precision']:.3f}  recall {result['recall']:.3f}"
    )
