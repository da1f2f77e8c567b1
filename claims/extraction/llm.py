"""Optional claim extractor on an OpenAI-compatible chat-completions endpoint, behind ``extract``'s interface.

OFF unless the operator configures it (``FACTDESK_LLM_URL``, docs/configuration.md).
Enabling it SENDS THE FULL ARTICLE TEXT, drafts included, to that endpoint.

The model is asked for JSON (``response_format`` json_schema, or json_object for
servers without schema support): one object per claim with the exact source
span, the normalized wording, a check-worthiness score and the reason. The
answer is read with ``json.loads`` and validated against :data:`CLAIMS_SCHEMA`
with ``jsonschema``; it is data, never code. Each span is then looked up in the
article (exact match, first occurrence not already taken), so offsets slice the
article back exactly; a span that is not in the article is dropped.

Any failure (not configured, article too long, connection refused, timeout,
HTTP error, a body that is not JSON, a schema violation, no span found) falls
back to the built-in extractor, and every claim's reason then starts with why
(:func:`extract_with_fallback`). Tags, entities and dates of LLM claims come
from the same rules as the built-in engine's.

The endpoint is chosen by the operator, not by a user or an article, so it may
sit on an internal address on purpose (a model server at
``http://127.0.0.1:8080``): the safe fetcher's internal-address refusal
(``claims/fetching.py``) is for article and user URLs and is not applied here.
Like the web providers, the request follows no redirect (the article text goes
to the configured host and nowhere else), has a total deadline and a size cap
on the answer. Errors never include the URL or the key.

Plain Python, no Django: the settings come in as an :class:`LLMSettings`;
``claims.services.extraction`` builds it from the Django settings.
"""
from __future__ import annotations

import json
import logging
import re
import time
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Callable
from urllib.parse import urlsplit

import jsonschema
import urllib3

from .dates import find_dates
from .segment import mask_markup
from .tagging import EntityMemory, claim_tags, label_entities, sentence_tags
from .types import ExtractedClaim

logger = logging.getLogger(__name__)

USER_AGENT = "Factdesk claim extraction"
MAX_RESPONSE_BYTES = 4 * 1024 * 1024
THRESHOLD = 0.5  # the model's own score: at or above it a claim is check-worthy
SYSTEM_PROMPT = """You extract check-worthy factual claims from a news article for fact-checkers.
Return JSON only: {"claims": [...]}, one object per atomic claim (one checkable fact each), in article order:
- "span": the exact text of the article that states the claim, copied character for character
  (same spelling, punctuation and quotation marks; no ellipsis, no paraphrase). Give each claim its own span:
  if one sentence states two facts, give each the part of the sentence that states it.
- "text": the claim rewritten to stand alone: pronouns replaced by the names they refer to,
  relative dates ("on Wednesday") made explicit using the publication date.
- "checkworthiness": a number from 0 to 1, how worth checking the claim is. Opinions, predictions,
  speculation and comments about the article itself score below 0.5.
- "reason": a short reason for the score, for the editor.
Do not add claims that the article does not make."""

CLAIMS_SCHEMA: dict = {
    "type": "object",
    "additionalProperties": False,
    "required": ["claims"],
    "properties": {
        "claims": {
            "type": "array",
            "maxItems": 1000,
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["span", "text", "checkworthiness", "reason"],
                "properties": {
                    "span": {"type": "string", "minLength": 1, "maxLength": 5000},
                    "text": {"type": "string", "minLength": 1, "maxLength": 5000},
                    "checkworthiness": {"type": "number", "minimum": 0, "maximum": 1},
                    "reason": {"type": "string", "maxLength": 2000},
                },
            },
        }
    },
}
_validator = jsonschema.Draft202012Validator(CLAIMS_SCHEMA)
_http = urllib3.PoolManager(retries=False, headers={"User-Agent": USER_AGENT})


class LLMError(Exception):
    """Why the LLM extractor gave no claims; the message is shown to editors, so it names no URL or key."""


@dataclass(frozen=True)
class LLMSettings:
    url: str  # the chat-completions URL, or the API base it is under (".../v1")
    model: str = ""
    api_key: str = ""
    timeout: float = 60.0  # seconds for the whole request, answer included
    max_chars: int = 60_000  # longer articles go to the built-in extractor
    response_format: str = "json_schema"  # or "json_object" for servers without JSON-schema support

    @property
    def endpoint(self) -> str:
        url = self.url.rstrip("/")
        return url if url.endswith("/chat/completions") else f"{url}/chat/completions"


def extract_with_fallback(
    text: str,
    published_at: datetime | None = None,
    language: str = "en",
    *,
    settings: LLMSettings,
    fallback: Callable[..., list[ExtractedClaim]],
) -> list[ExtractedClaim]:
    """The LLM's claims; on any failure, ``fallback``'s claims with the reason in front of each claim's reason."""
    try:
        return extract(text, published_at, language, settings=settings)
    except Exception as exc:  # noqa: BLE001 - whatever went wrong, the article still gets its claims
        why = str(exc) if isinstance(exc, LLMError) else f"unexpected error ({type(exc).__name__})"
        logger.warning("LLM extractor failed, built-in extractor used: %s", why, exc_info=not isinstance(exc, LLMError))
    note = f"LLM extractor failed ({why}); built-in extractor used"
    return [
        replace(claim, reason=f"{note}; {claim.reason}" if claim.reason else note,
                extras={**claim.extras, "extractor": "builtin", "llm_error": why})
        for claim in fallback(text, published_at=published_at, language=language)
    ]


def extract(text: str, published_at: datetime | None = None, language: str = "en", *,
            settings: LLMSettings) -> list[ExtractedClaim]:
    """Claims of ``text`` from the LLM; raises :class:`LLMError` when there are none to trust."""
    if not text or not text.strip():
        return []
    if not settings.url:
        raise LLMError("FACTDESK_LLM_URL is not set")
    if len(text) > settings.max_chars:
        raise LLMError(f"the article has {len(text)} characters, over the limit of {settings.max_chars}")
    answer = _complete(_request_body(text, published_at, language, settings), settings)
    items = _parse(answer)
    claims = _locate(text, items, published_at, settings.model)
    if items and not claims:
        raise LLMError(f"none of the {len(items)} spans returned is in the article")
    return claims


def _request_body(text: str, published_at: datetime | None, language: str, settings: LLMSettings) -> dict:
    when = published_at.date().isoformat() if published_at else "unknown"
    body: dict = {
        "temperature": 0,
        "messages": [
            {"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": f"Publication date: {when}\nLanguage: {language}\n\nArticle:\n{text}"},
        ],
    }
    if settings.model:
        body["model"] = settings.model
    if settings.response_format == "json_schema":
        body["response_format"] = {"type": "json_schema",
                                   "json_schema": {"name": "claims", "strict": True, "schema": CLAIMS_SCHEMA}}
    elif settings.response_format == "json_object":
        body["response_format"] = {"type": "json_object"}
    return body


def _complete(body: dict, settings: LLMSettings) -> str:
    """POST the request; the message content of the first choice."""
    if urlsplit(settings.endpoint).scheme not in {"http", "https"}:
        raise LLMError("FACTDESK_LLM_URL must be an http(s) URL")
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if settings.api_key:
        headers["Authorization"] = f"Bearer {settings.api_key}"
    deadline = time.monotonic() + settings.timeout
    try:
        response = _http.request(
            "POST", settings.endpoint, body=json.dumps(body).encode("utf-8"), headers=headers,
            timeout=urllib3.Timeout(total=settings.timeout, connect=min(5.0, settings.timeout)),
            preload_content=False, redirect=False,
        )
    except urllib3.exceptions.NewConnectionError:  # a subclass of ConnectTimeoutError, but a refusal
        raise LLMError("could not connect (connection refused or host unreachable)") from None
    except urllib3.exceptions.TimeoutError:
        raise LLMError(f"no answer within {settings.timeout:g} s") from None
    except urllib3.exceptions.HTTPError as exc:
        raise LLMError(f"could not connect ({type(exc).__name__})") from None
    try:
        if response.status != 200:
            response.close()  # the unread error body is not worth waiting for; the connection is not reused
            raise LLMError(f"the endpoint answered HTTP {response.status}")
        raw = _read(response, deadline, settings.timeout)
    finally:
        response.release_conn()
    try:
        payload = json.loads(raw)
        message = payload["choices"][0]["message"]
        content = message.get("content")
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        raise LLMError("the endpoint's answer is not a chat completion") from None
    if not isinstance(content, str) or not content.strip():
        refusal = message.get("refusal") if isinstance(message, dict) else None
        raise LLMError("the model refused" if refusal else "the model's answer is empty")
    return content


def _read(response, deadline: float, timeout: float) -> bytes:
    """The body, at most MAX_RESPONSE_BYTES, and not a second after the deadline (a slow drip counts too)."""
    chunks, size = [], 0
    try:
        while True:
            if time.monotonic() > deadline:
                raise LLMError(f"no complete answer within {timeout:g} s")
            chunk = response.read1(64 * 1024, decode_content=True)  # whatever has arrived, not a full 64 KiB
            if not chunk:
                break
            size += len(chunk)
            if size > MAX_RESPONSE_BYTES:
                raise LLMError(f"the answer is over {MAX_RESPONSE_BYTES} bytes")
            chunks.append(chunk)
    except urllib3.exceptions.TimeoutError:
        raise LLMError(f"no complete answer within {timeout:g} s") from None
    except urllib3.exceptions.HTTPError as exc:
        raise LLMError(f"the answer broke off ({type(exc).__name__})") from None
    return b"".join(chunks)


_FENCE = re.compile(r"^\s*```(?:json)?\s*\n?(.*?)\n?```\s*$", re.S)


def _parse(content: str) -> list[dict]:
    """The model's claims, validated against CLAIMS_SCHEMA."""
    fenced = _FENCE.match(content)  # some models wrap JSON in a Markdown fence even when asked not to
    try:
        data = json.loads(fenced.group(1) if fenced else content)
    except ValueError as exc:
        raise LLMError(f"the model's answer is not valid JSON ({exc.msg} at position {exc.pos})") from None
    error = jsonschema.exceptions.best_match(_validator.iter_errors(data))
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "the top level"
        raise LLMError(f"the model's answer does not match the schema at {where}: {error.message[:200]}")
    return data["claims"]


def _locate(text: str, items: list[dict], published_at: datetime | None, model: str) -> list[ExtractedClaim]:
    """Claims for the items whose span is in ``text``, in article order; the others are dropped and logged."""
    from .engine import _Context, fingerprint

    taken: set[tuple[int, int]] = set()
    located: list[tuple[int, int, dict]] = []
    dropped = 0
    for item in items:
        span = _find(text, item["span"], taken) or _find(text, item["span"].strip(), taken)
        if span is None:
            dropped += 1
            continue
        taken.add(span)
        located.append((*span, item))
    if dropped:
        logger.info("LLM extractor: %d of %d spans are not in the article (or repeat a span) and were dropped",
                    dropped, len(items))
    located.sort(key=lambda entry: entry[0])
    context, memory = _Context(), EntityMemory()
    claims = []
    for start, end, item in located:
        source = text[start:end]
        masked = mask_markup(source)
        dates = find_dates(masked, published_at, offset=start)
        entities = label_entities(source, masked, start, context.learn(source, start), dates, memory)
        tags = claim_tags(masked, dates, offset=start, inherited=sentence_tags(masked))
        score = round(float(item["checkworthiness"]), 3)
        wording = " ".join(item["text"].split())
        claims.append(ExtractedClaim(
            start=start, end=end, source_text=source, text=wording, score=score, checkworthy=score >= THRESHOLD,
            reason=f"LLM{f' ({model})' if model else ''}: {item['reason'].strip() or 'no reason given'}",
            tags=tuple(sorted(tags)), entities=tuple(entities), dates=tuple(dates), fingerprint=fingerprint(wording),
            extras={"extractor": "llm"},
        ))
    return [replace(c, entities=memory.relabel(c.entities)) for c in claims]


def _find(text: str, span: str, taken: set[tuple[int, int]]) -> tuple[int, int] | None:
    """The first occurrence of ``span`` in ``text`` that no earlier claim took."""
    if not span:
        return None
    at = text.find(span)
    while at >= 0:
        if (at, at + len(span)) not in taken:
            return at, at + len(span)
        at = text.find(span, at + 1)
    return None
