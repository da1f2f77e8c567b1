"""Claim extraction engine: article text in, candidate claims out.

Plain Python, no Django. The Celery extraction task calls :func:`extract`
through ``claims.services.extraction``; nothing else should depend on the
internals of this package.
"""
from __future__ import annotations

from datetime import datetime

from .types import Entity, ExtractedClaim, ResolvedDate

__all__ = ["Entity", "ExtractedClaim", "ResolvedDate", "extract", "detect_language"]


def extract(text: str, published_at: datetime | None = None, language: str = "en") -> list[ExtractedClaim]:
    """Split ``text`` into candidate claims, each with its exact span and a score."""
    from .engine import extract as _extract

    return _extract(text, published_at=published_at, language=language)


def detect_language(text: str) -> str:
    from .baseline import detect_language as _detect

    return _detect(text)
