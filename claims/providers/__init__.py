"""Candidate-source providers and their registry.

A provider takes a :class:`ClaimQuery` and returns :class:`ProviderHit` s,
best first. Providers never write to the database: the gathering service
stores what they return. Each one runs as its own Celery task, so a slow or
broken provider only fails its own run.
"""
from __future__ import annotations

from django.conf import settings

from .base import ClaimQuery, Provider, ProviderError, ProviderHit
from .database import PreviouslyVerifiedProvider, ReferenceCorpusProvider

REGISTRY: dict[str, type[Provider]] = {
    PreviouslyVerifiedProvider.name: PreviouslyVerifiedProvider,
    ReferenceCorpusProvider.name: ReferenceCorpusProvider,
}

__all__ = ["ClaimQuery", "Provider", "ProviderError", "ProviderHit", "REGISTRY", "enabled_providers", "get_provider"]


def enabled_providers() -> list[str]:
    return [name for name in settings.FACTDESK_PROVIDERS if name in REGISTRY]


def get_provider(name: str) -> Provider:
    try:
        return REGISTRY[name]()
    except KeyError:
        raise ProviderError(f"unknown provider {name!r}; known: {', '.join(REGISTRY)}") from None

# Web providers (off until configured; settings add a configured one to FACTDESK_PROVIDERS).
from .web import WEB_PROVIDERS  # noqa: E402

REGISTRY.update(WEB_PROVIDERS)
