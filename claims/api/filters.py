"""Filter fields shared by the API lists."""
from __future__ import annotations

from datetime import timezone

import django_filters


class UtcIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    """An ISO 8601 date-time, turned into UTC before it reaches the database.

    Python accepts any offset under 24 hours; PostgreSQL refuses some of them
    (e.g. +23:59), which would be a 500 instead of an answer.
    """

    def filter(self, qs, value):
        if value is not None:
            value = to_utc(value)
        return super().filter(qs, value)


def to_utc(value):
    from django.utils import timezone as dj_timezone

    if dj_timezone.is_naive(value):
        value = dj_timezone.make_aware(value, timezone.utc)
    return value.astimezone(timezone.utc)
