"""Plain data types that the extraction engine returns.

This module (and the whole ``claims.extraction`` package) must never import
Django: the engine is tested, benchmarked and evaluated without a database.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Entity:
    text: str
    label: str  # PERSON, ORG, PLACE, DATE, or NAME when the kind is unknown (tagging.py)
    start: int  # offsets into the article text
    end: int


@dataclass(frozen=True)
class ResolvedDate:
    text: str  # as written, e.g. "on Wednesday"
    start: int
    end: int
    value: str  # ISO, as precise as the text: "2023-10-18", "2023-07", "2023"
    precision: str  # "day" | "month" | "year"


@dataclass(frozen=True)
class ExtractedClaim:
    """One candidate claim found in an article.

    ``text[start:end]`` of the article equals ``source_text`` exactly: callers
    rely on this to highlight the span.
    """

    start: int
    end: int
    source_text: str
    text: str  # normalized, decontextualized wording that reviewers see
    score: float  # check-worthiness in [0, 1]
    checkworthy: bool
    reason: str = ""  # why it scored as it did; shown to editors
    tags: tuple[str, ...] = ()
    entities: tuple[Entity, ...] = ()
    dates: tuple[ResolvedDate, ...] = ()
    fingerprint: str = ""
    extras: dict = field(default_factory=dict, compare=False, hash=False)
