"""API caches that are kept until the data behind them changes: claims-list pages and token lookups.

Why: a page of 50 claims with their top candidates and verdicts costs ~10 ms of
CPU to build (three queries, ~117 KB of JSON), and finding the caller's token,
client and user ~1 ms (two queries) on every request. CMS pollers and editors
ask for the same pages over and over; doing that work once per change instead
of once per request is what lets 32 concurrent clients stay within the latency
target on a 2-core server (docs/benchmarks.md, "API").

How they stay correct (nothing stale is served once a write has committed):

- Each cache has a *topic*: the tables its entries are read from. Every SQL
  statement Django sends that writes one of those tables (or any TRUNCATE)
  moves the topic's generation counter in Redis on, once its transaction has
  committed. This is an execute wrapper on every database connection, so ORM
  saves, bulk and queryset writes, cascades and raw SQL through Django are all
  seen, in web and Celery processes alike.
- An entry is stored under the generation read *before* it was computed. When a
  write commits the generation moves on and the old entry is never used again.
  The writer's own request bumps before its response is sent, so a client that
  reads right after a write sees its write; a token revoked in the admin or by
  the API is refused on the very next request.
- A request that runs inside a transaction (it may see uncommitted rows) neither
  reads nor fills the page cache.
- Entries also expire after ``FACTDESK_API_CACHE_SECONDS`` (default 60): the
  bound on staleness for a write made outside Django (e.g. with psql). 0 turns
  both caches off.
- Only with Redis (``REDIS_URL``): generations must be shared by every web and
  worker process. Without it, or while Redis does not answer, everything is
  computed per request.

Entries live in each web process (least recently used first out): pages up to
``FACTDESK_API_CACHE_MB`` (default 32) per process, up to 10,000 token lookups.
A page one process built is also put in Redis (expiring with the same time), so
after a write each page is built once, not once per web process.
"""
from __future__ import annotations

import hashlib
import logging
import re
import threading
import time
from collections import OrderedDict
from typing import Callable

from django.conf import settings
from django.db import connections, transaction

logger = logging.getLogger(__name__)

CLAIMS_LIST = "claims-list"
API_TOKENS = "api-tokens"
# The tables each cache reads: selectors.claim_list_rows / claim_list_evidence; selectors.api_token_for_key_hash.
TOPICS: dict[str, frozenset[str]] = {
    CLAIMS_LIST: frozenset({
        "claims_claim", "claims_candidate", "claims_sourcedocument", "reviewers_verdict", "reviewers_citation",
        "reviewers_rating", "reviewers_ratingscale", "auth_user",
    }),
    API_TOKENS: frozenset({"claims_apitoken", "claims_apiclient", "auth_user"}),
}
_WRITE = re.compile(r'\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM|REPLACE\s+INTO)\s+[`"]?(\w+)', re.IGNORECASE)
_TRUNCATE = re.compile(r"\s*TRUNCATE\b", re.IGNORECASE)

_clock = time.monotonic  # seconds; replaceable in tests

_client: tuple[str, object] | None = None  # (url, redis client)
_client_lock = threading.Lock()


def enabled() -> bool:
    return bool(settings.REDIS_URL) and settings.FACTDESK_API_CACHE_SECONDS > 0


def _redis():
    global _client
    url = settings.REDIS_URL
    if _client is None or _client[0] != url:
        with _client_lock:
            if _client is None or _client[0] != url:
                import redis

                # Short timeouts: a slow Redis must cost a recomputation, not a hung request.
                _client = (url, redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5))
    return _client[1]


def _db_name() -> str:
    # Keys carry the database name, so a test run and a dev server sharing a Redis do not mix.
    return connections["default"].settings_dict["NAME"]


def _generation_key(topic: str) -> str:
    return f"factdesk:generation:{topic}:{_db_name()}"


def generation(topic: str) -> int | None:
    """The topic's current generation, or None when the cache is off or Redis does not answer."""
    generations = _read_generations() if enabled() else None
    return None if generations is None else generations[topic]


def generations_for(request) -> dict[str, int] | None:
    """Every topic's generation, read once per request (one Redis round trip for all of them).

    Read before anything is looked up or built, so entries stored under them can
    only be older than the generation, never newer: always safe.
    """
    raw = getattr(request, "_request", request)  # DRF's Request wraps Django's
    if not hasattr(raw, "_factdesk_generations"):
        raw._factdesk_generations = _read_generations() if usable() else None
    return raw._factdesk_generations


def _read_generations() -> dict[str, int] | None:
    topics = list(TOPICS)
    try:
        values = _redis().mget([_generation_key(topic) for topic in topics])
    except Exception as exc:
        logger.warning("API cache bypassed: Redis did not answer (%s)", exc)
        return None
    return {topic: int(value) if value is not None else 0 for topic, value in zip(topics, values)}


def bump(topics) -> None:
    """Move the topics' generations on: every entry computed before now is no longer used."""
    try:
        with _redis().pipeline(transaction=False) as pipe:
            for topic in topics:
                pipe.incr(_generation_key(topic))
            pipe.execute()
    except Exception as exc:
        logger.error("API cache: could not bump %s (%s); entries may be stale for up to %s s",
                     ", ".join(sorted(topics)), exc, settings.FACTDESK_API_CACHE_SECONDS)


def topics_written_by(sql) -> frozenset[str]:
    """The topics whose tables this statement writes (every topic for a TRUNCATE)."""
    if not isinstance(sql, str):
        return frozenset()
    if _TRUNCATE.match(sql):
        return frozenset(TOPICS)
    match = _WRITE.match(sql)
    if not match:
        return frozenset()
    table = match.group(1).lower()
    return frozenset(topic for topic, tables in TOPICS.items() if table in tables)


class _PendingBump:
    """The topics written in one transaction, bumped together once it commits."""

    def __init__(self):
        self.topics: set[str] = set()

    def __call__(self):
        bump(self.topics)


def _bump_after_commit(connection, topics: frozenset[str]) -> None:
    if not connection.in_atomic_block:
        bump(topics)  # autocommit: the statement has already committed
        return
    # One callback per transaction (a rolled-back savepoint drops its callbacks, and a later write adds one again).
    for entry in connection.run_on_commit:
        if isinstance(entry[1], _PendingBump):
            entry[1].topics.update(topics)
            return
    pending = _PendingBump()
    pending.topics.update(topics)
    transaction.on_commit(pending, using=connection.alias, robust=True)


def watch_writes(execute, sql, params, many, context):
    """Execute wrapper (installed on every connection): a committed write to a watched table bumps its topics."""
    result = execute(sql, params, many, context)
    if enabled():
        topics = topics_written_by(sql)
        if topics:
            _bump_after_commit(context["connection"], topics)
    return result


def install(sender=None, connection=None, **kwargs) -> None:
    """``connection_created`` receiver: put :func:`watch_writes` on the connection once."""
    if connection is not None and watch_writes not in connection.execute_wrappers:
        connection.execute_wrappers.append(watch_writes)


class GenerationCache:
    """Per-process LRU: key -> (generation, stored_at, value); an entry of another generation is a miss."""

    def __init__(self, *, max_cost: Callable[[], int], cost: Callable[[object], int] = lambda value: 1):
        self._items: OrderedDict[str, tuple[int, float, object]] = OrderedDict()
        self._cost = cost
        self._max_cost = max_cost
        self._total = 0
        self._lock = threading.Lock()
        self._build_locks = [threading.Lock() for _ in range(64)]

    def get(self, key: str, generation: int):
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            stored_generation, stored_at, value = item
            if stored_generation != generation or _clock() - stored_at > settings.FACTDESK_API_CACHE_SECONDS:
                self._drop(key)
                return None
            self._items.move_to_end(key)
            return value

    def put(self, key: str, generation: int, value) -> None:
        limit, cost = self._max_cost(), self._cost(value)
        if cost > limit:
            return
        with self._lock:
            if key in self._items:
                self._drop(key)
            self._items[key] = (generation, _clock(), value)
            self._total += cost
            while self._total > limit:
                self._drop(next(iter(self._items)))

    def get_or_build(self, key: str, generation: int, build: Callable[[], object]):
        """The entry, or ``build()``'s value stored under ``generation`` (None is returned, not stored).

        One thread of the process builds a missing entry; the others asking for it meanwhile wait and reuse
        it, instead of all building it at once after each write (gthread workers).
        """
        value = self.get(key, generation)
        if value is None:
            with self._build_locks[hash(key) % len(self._build_locks)]:
                value = self.get(key, generation)
                if value is None:
                    value = build()
                    if value is not None:
                        self.put(key, generation, value)
        return value

    def __len__(self) -> int:
        return len(self._items)

    def _drop(self, key: str) -> None:
        _, _, value = self._items.pop(key)
        self._total -= self._cost(value)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._total = 0


pages = GenerationCache(max_cost=lambda: settings.FACTDESK_API_CACHE_MB * 1024 * 1024, cost=len)
tokens = GenerationCache(max_cost=lambda: 10_000)


def shared_page(key: str, generation: int) -> bytes | None:
    """A page another web process built under this generation (so each page is built once per change, not once
    per process), or None."""
    try:
        return _redis().get(_shared_page_key(key, generation))
    except Exception as exc:
        logger.warning("API cache: shared page not read (%s)", exc)
        return None


def share_page(key: str, generation: int, body: bytes) -> None:
    try:
        _redis().set(_shared_page_key(key, generation), body, ex=max(1, settings.FACTDESK_API_CACHE_SECONDS))
    except Exception as exc:
        logger.warning("API cache: shared page not stored (%s)", exc)


def _shared_page_key(key: str, generation: int) -> str:
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]
    return f"factdesk:page:{_db_name()}:{generation}:{digest}"


def page_key(request) -> str:
    # Host and scheme are in the key: the page's next/previous links are absolute.
    return f"{request.scheme}://{request.get_host()}{request.get_full_path()}"


def usable() -> bool:
    """On, and not inside a transaction (whose uncommitted rows must not be cached or hidden)."""
    return enabled() and not connections["default"].in_atomic_block


def pages_usable_for(request) -> bool:
    """Only plain JSON answers, only outside a transaction (see the module docstring)."""
    if not usable():
        return False
    renderer = getattr(request, "accepted_renderer", None)
    return renderer is not None and renderer.format == "json"
