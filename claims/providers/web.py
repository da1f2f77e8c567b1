"""Web providers: MediaWiki search (Wikipedia), a SearxNG instance, Google Fact Check Tools.

Each one is OFF until configured (docs/configuration.md, "Web providers"):
enabling one sends the claim's text to that service. A configured provider is
added to ``FACTDESK_PROVIDERS`` by the settings; one listed there but not
configured fails its own run with a clear message, before any request.

They return :class:`ProviderHit` s carrying a :class:`WebSource`; the gathering
service stores those as documents by canonical URL (providers never write).
Timeouts, HTTP 429 and 5xx answers are retryable (the ``run_provider`` task
retries with backoff, up to ``FACTDESK_PROVIDER_MAX_ATTEMPTS``); other
refusals fail the run at once. Error messages never include the request URL,
which may carry an API key.
"""
from __future__ import annotations

import html
import json
import re
import threading
import time
from urllib.parse import urlencode, urlsplit

import urllib3
from django.conf import settings

from claims.retrieval import passages as passage_ranker

from .base import ClaimQuery, ProviderError, ProviderHit, WebSource

USER_AGENT = "Factdesk candidate-source search (+https://factdesk.example.org/bot)"
MAX_RESPONSE_BYTES = 4 * 1024 * 1024
_http = urllib3.PoolManager(retries=False, headers={"User-Agent": USER_AGENT, "Accept": "application/json"})
_TAGS = re.compile(r"<[^>]+>")


class _Throttle:
    """At most ``per_minute`` requests per minute from this worker process (like Celery's rate_limit)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._next: dict[str, float] = {}

    def wait(self, name: str, per_minute: int, *, budget: float) -> None:
        if per_minute <= 0:
            return
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next.get(name, 0.0))
            if slot - now > budget:
                raise ProviderError(f"{name}: rate limit of {per_minute}/min reached; retrying later", retryable=True)
            self._next[name] = slot + 60.0 / per_minute
        time.sleep(max(0.0, slot - now))


throttle = _Throttle()


def _plain(fragment: str) -> str:
    return " ".join(html.unescape(_TAGS.sub("", fragment or "")).split())


class _WebProvider:
    name = ""
    kinds: tuple[str, ...] = ()
    settings_prefix = ""
    required: tuple[str, ...] = ("URL",)

    def setting(self, key: str, default=None):
        return getattr(settings, f"FACTDESK_{self.settings_prefix}_{key}", default)

    @classmethod
    def configured(cls) -> bool:
        return all(getattr(settings, f"FACTDESK_{cls.settings_prefix}_{key}", "") for key in cls.required)

    def get_json(self, url: str, params: dict) -> dict:
        if not self.configured():
            missing = ", ".join(f"FACTDESK_{self.settings_prefix}_{k}" for k in self.required)
            raise ProviderError(f"{self.name} is not configured (set {missing}); no request was sent")
        timeout = float(self.setting("TIMEOUT", 10))
        throttle.wait(self.name, int(self.setting("RATE_PER_MINUTE", 60)), budget=timeout)
        try:
            response = _http.request(
                "GET", f"{url}?{urlencode(params)}", timeout=urllib3.Timeout(total=timeout, connect=min(5.0, timeout)),
                preload_content=False, redirect=False,
            )
        except urllib3.exceptions.TimeoutError:
            raise ProviderError(f"{self.name}: no answer within {timeout:g} s", retryable=True) from None
        except urllib3.exceptions.HTTPError as exc:
            raise ProviderError(f"{self.name}: could not connect ({type(exc).__name__})", retryable=True) from None
        try:
            if response.status == 429 or response.status >= 500:
                raise ProviderError(f"{self.name}: the service answered HTTP {response.status}", retryable=True)
            if response.status != 200:
                raise ProviderError(f"{self.name}: the service refused the request (HTTP {response.status})")
            try:
                body = response.read(MAX_RESPONSE_BYTES + 1, decode_content=True)
            except urllib3.exceptions.TimeoutError:
                raise ProviderError(f"{self.name}: the answer stopped arriving", retryable=True) from None
            if len(body) > MAX_RESPONSE_BYTES:
                raise ProviderError(f"{self.name}: the answer is over {MAX_RESPONSE_BYTES} bytes")
            try:
                return json.loads(body)
            except ValueError:
                raise ProviderError(f"{self.name}: the answer is not JSON") from None
        finally:
            response.release_conn()

    def hit(self, query: ClaimQuery, source: WebSource, *, score: float, passage: tuple[int, int] | None = None,
            match_level: str = "", extras: dict | None = None) -> ProviderHit:
        if passage is None:
            best = passage_ranker.best_passage(query.text, source.body, encode=None)
            passage = (best.start, best.end) if best else (0, min(len(source.body), 300))
        start, end = passage
        return ProviderHit(document_id=None, score=score, passage=source.body[start:end], passage_start=start,
                           passage_end=end, match_level=match_level, extras=extras or {}, source=source)


class MediaWikiProvider(_WebProvider):
    """``action=query&list=search`` for the ranking, then the pages' plain-text intros (``prop=extracts``)."""

    name = "mediawiki"
    kinds = ("web",)
    settings_prefix = "MEDIAWIKI"

    def search(self, query: ClaimQuery, *, limit: int) -> list[ProviderHit]:
        api = self.setting("URL")
        found = self.get_json(api, {
            "action": "query", "list": "search", "srsearch": query.text[:300], "srlimit": min(limit, 50),
            "srprop": "snippet|timestamp", "format": "json", "formatversion": 2, "utf8": 1,
        })
        results = (found.get("query") or {}).get("search") or []
        if not results:
            return []
        ids = [str(r["pageid"]) for r in results if "pageid" in r]
        pages = self.get_json(api, {
            "action": "query", "prop": "extracts|info", "pageids": "|".join(ids), "exintro": 1, "explaintext": 1,
            "exlimit": "max", "inprop": "url", "format": "json", "formatversion": 2, "utf8": 1,
        })
        by_id = {p.get("pageid"): p for p in (pages.get("query") or {}).get("pages") or []}
        hits = []
        for position, result in enumerate(results, start=1):
            page = by_id.get(result.get("pageid"), {})
            url = page.get("canonicalurl") or page.get("fullurl")
            body = (page.get("extract") or "").strip() or _plain(result.get("snippet", ""))
            if not url or not body:
                continue
            source = WebSource(url=url, title=result.get("title", "")[:500], body=body, kind="web",
                               publisher=urlsplit(url).hostname or "", published_at=result.get("timestamp", ""),
                               language=query.language)
            hits.append(self.hit(query, source, score=1.0 / position, extras={"pageid": result.get("pageid")}))
        return hits[:limit]


class SearxngProvider(_WebProvider):
    """A SearxNG instance's JSON API (``/search?format=json``; the instance must allow the json format)."""

    name = "searxng"
    kinds = ("web",)
    settings_prefix = "SEARXNG"

    def search(self, query: ClaimQuery, *, limit: int) -> list[ProviderHit]:
        base = self.setting("URL").rstrip("/")
        found = self.get_json(f"{base}/search", {"q": query.text[:300], "format": "json",
                                                 "language": query.language, "safesearch": 0})
        hits = []
        for position, result in enumerate(found.get("results") or [], start=1):
            url, body = result.get("url") or "", _plain(result.get("content") or "")
            if not url.startswith(("http://", "https://")) or not body:
                continue
            source = WebSource(url=url, title=_plain(result.get("title") or "")[:500], body=body, kind="web",
                               publisher=urlsplit(url).hostname or "", published_at=result.get("publishedDate") or "",
                               language=query.language)
            score = float(result.get("score") or 0.0) or 1.0 / position
            hits.append(self.hit(query, source, score=score, extras={"engines": result.get("engines") or []}))
            if len(hits) >= limit:
                break
        return hits


class FactCheckToolsProvider(_WebProvider):
    """Google Fact Check Tools ``claims:search``: each claimReview becomes a fact-check with its rating label."""

    name = "google_factcheck"
    kinds = ("factcheck",)
    settings_prefix = "FACTCHECK"
    required = ("URL", "API_KEY")

    def search(self, query: ClaimQuery, *, limit: int) -> list[ProviderHit]:
        found = self.get_json(self.setting("URL"), {"query": query.text[:300], "key": self.setting("API_KEY"),
                                                    "languageCode": query.language, "pageSize": limit})
        hits = []
        for claim in found.get("claims") or []:
            claim_text = " ".join((claim.get("text") or "").split())
            for review in claim.get("claimReview") or []:
                url, rating = review.get("url") or "", (review.get("textualRating") or "").strip()
                if not url.startswith(("http://", "https://")) or not claim_text:
                    continue
                publisher = (review.get("publisher") or {}).get("name") or (review.get("publisher") or {}).get("site") or ""
                said = f" Claimed by {claim['claimant']}." if claim.get("claimant") else ""
                body = f"{claim_text}\n\n{review.get('title') or ''}\nRating: {rating or 'none given'}.{said}".strip()
                source = WebSource(url=url, title=(review.get("title") or claim_text)[:500], body=body,
                                   kind="factcheck", publisher=publisher, published_at=review.get("reviewDate") or "",
                                   rating_label=rating, language=review.get("languageCode") or query.language)
                hits.append(self.hit(query, source, score=1.0 / (len(hits) + 1), passage=(0, len(claim_text)),
                                     match_level="suggested", extras={"rating": rating}))
                if len(hits) >= limit:
                    return hits
        return hits


WEB_PROVIDERS = {p.name: p for p in (MediaWikiProvider, SearxngProvider, FactCheckToolsProvider)}
