"""Web sources: documents found on the web or added by URL, one row per canonical URL.

``source_capture_url`` fetches a page through the safe fetcher
(``claims.fetching.fetch``: no internal addresses, limits on size, time and
content type) and stores its main text with the evidence snapshot (fetched_at,
final URL after redirects, sha256 of the text). ``web_document_upsert`` stores
what a web provider found (a search snippet, a fact-check) without fetching.
Both are idempotent by canonical URL: the document's ``external_id`` is
``url:`` + the sha256 of the canonical URL, so a retry or a second provider
finding the same page updates one row.

The network request happens before any transaction is opened.
"""
from __future__ import annotations

import hashlib
import logging
from datetime import datetime
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.db import transaction

from claims.fetching import FetchError, fetch
from claims.models import SourceDocument

logger = logging.getLogger(__name__)
TRACKING_PARAMS = ("utm_", "fbclid", "gclid", "mc_cid", "mc_eid", "ref_src")


def canonical_url(url: str) -> str:
    """Lower-case scheme and host, no default port, no fragment, no tracking parameters."""
    parts = urlsplit((url or "").strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError("bad_url", f"Not an http(s) URL: {url!r}.")
    host = parts.hostname.rstrip(".").lower()
    port = parts.port
    netloc = host if port in (None, 80 if parts.scheme == "http" else 443) else f"{host}:{port}"
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                       if not k.lower().startswith(TRACKING_PARAMS)])
    return urlunsplit((parts.scheme.lower(), netloc, parts.path or "/", query, ""))


def url_external_id(url: str) -> str:
    return "url:" + hashlib.sha256(canonical_url(url).encode("utf-8")).hexdigest()


def web_document_upsert(
    *,
    url: str,
    title: str,
    body: str,
    kind: str = SourceDocument.Kind.WEB,
    publisher: str = "",
    published_at: datetime | None = None,
    language: str = "en",
    rating_label: str = "",
    snapshot: dict | None = None,
) -> tuple[SourceDocument, str]:
    """Create or update the document of ``url``; returns it and ``created`` / ``updated`` / ``unchanged``.

    ``snapshot`` (fetched_at, final_url, captured_sha256) is only given for a
    captured page. A search snippet never overwrites a captured page's text.
    """
    body = (body or "").strip()
    if not body:
        raise FetchError("empty", f"No text to store for {url}.")
    external_id = url_external_id(url)
    fields = {
        "kind": kind, "title": ((title or "").strip() or body[:120])[:500], "body": body,
        "url": canonical_url(url)[:1000], "publisher": (publisher or "")[:200], "published_at": published_at,
        "language": language or "en", "rating_label": (rating_label or "")[:100], **(snapshot or {}),
    }
    with transaction.atomic():
        document = SourceDocument.objects.select_for_update().filter(external_id=external_id).first()
        if document is None:
            return SourceDocument.objects.create(external_id=external_id, **fields), "created"
        if snapshot is None and document.fetched_at is not None:
            return document, "unchanged"  # keep the captured evidence, not a snippet
        if not fields.get("published_at"):
            fields.pop("published_at")
        if all(getattr(document, k) == v for k, v in fields.items()):
            return document, "unchanged"
        for key, value in fields.items():
            setattr(document, key, value)
        document.save()
        return document, "updated"


def source_capture_url(*, url: str, by=None, kind: str = SourceDocument.Kind.WEB) -> SourceDocument:
    """Fetch ``url`` safely and store its main text as the evidence snapshot.

    Raises :class:`claims.fetching.FetchError` (with its ``code``) when the URL
    is refused or the page cannot be captured; nothing is written then. ``by``
    is the user who asked (None for the pipeline); kept for the audit log line.
    """
    if kind not in (SourceDocument.Kind.WEB, SourceDocument.Kind.REFERENCE):
        raise FetchError("bad_kind", f"A captured page is a web or reference document, not {kind!r}.")
    capture = fetch(url)  # network: outside any transaction
    if not capture.text:
        raise FetchError("empty", f"No main text could be extracted from {capture.final_url}.")
    document, _ = web_document_upsert(
        url=url, title=capture.title, body=capture.text, kind=kind, publisher=urlsplit(capture.final_url).hostname or "",
        snapshot={"fetched_at": capture.fetched_at, "final_url": capture.final_url[:1000],
                  "captured_sha256": capture.sha256},
    )
    logger.info("captured %s as document %s (sha256 %s) for %s", capture.final_url, document.pk, capture.sha256,
                getattr(by, "username", "the pipeline"))
    return document


def web_hits_store(*, hits: list) -> list:
    """Give each web provider hit (``hit.source``) its document, stored by canonical URL.

    Called by the gathering service inside its transaction (no network here).
    The passage offsets are re-checked against the stored body: when the page
    was captured earlier, its captured text is kept and the passage is looked
    up in it (no offsets if it is not there).
    """
    from dataclasses import replace

    from claims.services.sources import SourceError, parse_when

    stored = []
    for hit in hits:
        source = getattr(hit, "source", None)
        if source is None:
            stored.append(hit)
            continue
        try:
            published_at = parse_when(source.published_at or None)
        except SourceError:
            published_at = None
        try:
            document, _ = web_document_upsert(
                url=source.url, title=source.title, body=source.body, kind=source.kind, publisher=source.publisher,
                published_at=published_at, language=source.language, rating_label=source.rating_label,
            )
        except FetchError:
            continue  # no usable URL or text: not a candidate
        start, end = hit.passage_start, hit.passage_end
        if start is None or end is None or document.body[start:end] != hit.passage:
            found = document.body.find(hit.passage) if hit.passage else -1
            start, end = (found, found + len(hit.passage)) if found >= 0 else (None, None)
        stored.append(replace(hit, document_id=document.pk, passage=hit.passage if start is not None else "",
                              passage_start=start, passage_end=end))
    return stored
