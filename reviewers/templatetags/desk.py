"""Template helpers for the reviewer desk."""
from __future__ import annotations

from urllib.parse import urlsplit

from django import template

register = template.Library()


@register.filter
def http_url(value: str) -> str:
    """The URL if it is http(s), else empty: stored URLs come from outside and must never become javascript: links."""
    value = (value or "").strip()
    return value if urlsplit(value).scheme.lower() in ("http", "https") else ""
