"""Fusing rankings: lexical and semantic, title and body, into one order.

Two fusions, both weighted, weights tuned on training splits only (see
docs/evaluation.md):

- ``rrf``: reciprocal rank fusion, sum of ``w / (k + rank)``; robust when scores are
  not comparable;
- ``linear``: sum of ``w * normalised score``; BM25 is divided by the query's best
  BM25 (so it lies in [0, 1]), cosines are used as they are (already comparable
  across queries, which is what thresholds need).

Plain Python: no Django.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Sequence

RRF_K = 60

Ranking = Sequence[tuple[int, float]]  # (id, score) best first


@dataclass
class Fused:
    id: int
    score: float
    signals: dict[str, float] = field(default_factory=dict)  # each ranking's (normalised) score


def fuse(
    rankings: Mapping[str, Ranking],
    weights: Mapping[str, float],
    *,
    method: str = "linear",
    normalise: Sequence[str] = (),
    k: int = RRF_K,
) -> list[Fused]:
    """Fuse ``rankings`` (name -> ranking) into one list, best first; ties by id.

    ``normalise`` names the rankings whose scores are divided by their maximum
    (BM25); the others are taken as they are (cosines). An id missing from a
    ranking contributes 0 for it.
    """
    if method not in ("linear", "rrf"):
        raise ValueError(f"unknown fusion method {method!r}")
    fused: dict[int, Fused] = {}
    for name, ranking in rankings.items():
        weight = weights.get(name, 0.0)
        if not ranking:
            continue
        top = max(score for _, score in ranking) if name in normalise else 1.0
        seen: set[int] = set()
        for position, (key, score) in enumerate(ranking, start=1):
            if key in seen:
                continue  # an id counts once per ranking, at its best position
            seen.add(key)
            entry = fused.setdefault(key, Fused(key, 0.0))
            value = score / top if top > 0 else 0.0
            entry.signals[name] = value
            entry.score += weight * (1.0 / (k + position) if method == "rrf" else value)
    return sorted(fused.values(), key=lambda f: (-f.score, f.id))
