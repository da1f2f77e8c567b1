"""Per-client request rates (``FACTDESK_API_RATE_READ`` / ``FACTDESK_API_RATE_WRITE``).

Each API token is counted on its own (a client with two tokens has two
budgets); a signed-in person is counted by user. Reads (GET/HEAD/OPTIONS) and
writes have separate budgets so a busy poller cannot starve its own ingest.
Rates are read from settings on every request, so tests and operators can
change them without a restart of the class. Counts live in the default cache:
Redis when ``REDIS_URL`` is set (shared by every gunicorn worker).
"""
from __future__ import annotations

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from claims.models import ApiToken


class ClientRateThrottle(SimpleRateThrottle):
    cache_format = "throttle_%(scope)s_%(ident)s"

    def __init__(self):
        # Rate is decided per request (read or write); see allow_request.
        pass

    def allow_request(self, request, view):
        self.scope = "read" if request.method in ("GET", "HEAD", "OPTIONS") else "write"
        self.rate = settings.FACTDESK_API_RATES.get(self.scope)
        if not self.rate:
            return True
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiToken):
            ident = f"token{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user{request.user.pk}"
        else:
            ident = self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}
