from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


class ProviderError(Exception):
    """A provider could not answer. ``retryable`` says whether trying again may help."""

    def __init__(self, message: str, *, retryable: bool = False):
        super().__init__(message)
        self.retryable = retryable


@dataclass(frozen=True)
class ClaimQuery:
    claim_id: int
    text: str  # the normalized, decontextualized claim
    entities: tuple[str, ...] = ()
    dates: tuple[str, ...] = ()
    language: str = "en"


@dataclass(frozen=True)
class WebSource:
    """A document a web provider found; the gathering service stores it (by canonical URL)."""

    url: str
    title: str
    body: str
    kind: str = "web"
    publisher: str = ""
    published_at: str = ""  # ISO date, as the service gave it
    rating_label: str = ""
    language: str = "en"


@dataclass(frozen=True)
class ProviderHit:
    document_id: int | None  # None for a web hit: ``source`` is stored and gives the id
    score: float
    passage: str = ""
    passage_start: int | None = None
    passage_end: int | None = None
    match_level: str = ""  # previously_verified: "strong" or "suggested"
    extras: dict = field(default_factory=dict, compare=False)
    source: WebSource | None = None


class Provider(Protocol):
    name: str
    kinds: tuple[str, ...]

    def search(self, query: ClaimQuery, *, limit: int) -> list[ProviderHit]: ...
