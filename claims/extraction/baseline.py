"""First extractor: sentence segmentation plus a transparent heuristic.

Every sentence becomes one candidate claim. Its check-worthiness score is a
sum of visible signals (numbers, named entities, dates, attribution) minus
signals of opinion, prediction and meta-commentary, so an editor can read the
``reason`` and see why a sentence scored as it did.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import datetime

import nupunkt

from .types import ExtractedClaim

THRESHOLD = 0.5

_NUMBER = re.compile(r"\d")
_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "monday|tuesday|wednesday|thursday|friday|saturday|sunday"
)
_DATE_WORD = re.compile(rf"\b(?:{_MONTHS}|yesterday|last year|\d{{4}})\b", re.I)
_ATTRIBUTION = re.compile(r"\b(?:said|says|told|announced|reported|according to|stated|praised|expressed)\b", re.I)
_EVENT_VERB = re.compile(r"\b(?:\w+ed|was|were|has been|had|met|visited|won|lost|rose|fell)\b", re.I)
_PROPER = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]+(?:\s+[A-Z][a-z]+)*")
_HEDGES = {
    "opinion": re.compile(r"\b(?:I think|I believe|in my view|should|ought to|must|hopefully)\b", re.I),
    "prediction": re.compile(r"\b(?:will|is expected to|are expected to|is likely to|could|might|may)\b", re.I),
    "speculation": re.compile(r"\b(?:is seen as|appears to|seems to|potential|perhaps|possibly)\b", re.I),
    "meta-commentary": re.compile(r"\b(?:this (?:new )?article|this report|we will|will explore|emphasizes|highlights)\b", re.I),
}
_LATIN = re.compile(r"[A-Za-z]")


def detect_language(text: str) -> str:
    """A deliberately small detector: English unless the text is mostly non-Latin."""
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return "und"
    latin = sum(1 for c in letters if _LATIN.match(c))
    return "en" if latin / len(letters) > 0.8 else "und"


def fingerprint(text: str) -> str:
    norm = unicodedata.normalize("NFKC", text).lower()
    norm = " ".join(re.findall(r"[^\W_]+", norm))
    return hashlib.sha256(norm.encode("utf-8")).hexdigest()[:32]


def _score(sentence: str) -> tuple[float, list[str], list[str]]:
    signals: list[str] = []
    tags: list[str] = []
    score = 0.2
    if _NUMBER.search(sentence):
        score += 0.2
        signals.append("+number")
        tags.append("number")
    if _DATE_WORD.search(sentence):
        score += 0.15
        signals.append("+date")
        tags.append("date")
    if len(_PROPER.findall(sentence)) >= 1:
        score += 0.2
        signals.append("+named entity")
    if _ATTRIBUTION.search(sentence):
        score += 0.1
        signals.append("+attribution")
        tags.append("quote")
    if _EVENT_VERB.search(sentence):
        score += 0.1
        signals.append("+past event")
    for label, pattern in _HEDGES.items():
        if pattern.search(sentence):
            score -= 0.35
            signals.append(f"-{label}")
    return max(0.0, min(1.0, score)), signals, tags


def extract(text: str, published_at: datetime | None = None, language: str = "en") -> list[ExtractedClaim]:
    claims: list[ExtractedClaim] = []
    if not text or not text.strip():
        return claims
    for _sentence, (start, end) in nupunkt.sent_spans_with_text(text):
        # Trim whitespace so the span is exactly the sentence.
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if end - start < 12:
            continue
        source = text[start:end]
        score, signals, tags = _score(source)
        checkworthy = score >= THRESHOLD and language == "en"
        reason = ", ".join(signals) or "no signal"
        if language != "en":
            reason = f"language {language!r} not supported; {reason}"
        claims.append(
            ExtractedClaim(
                start=start,
                end=end,
                source_text=source,
                text=" ".join(source.split()),
                score=round(score, 3),
                checkworthy=checkworthy,
                reason=reason,
                tags=tuple(tags),
                fingerprint=fingerprint(source),
            )
        )
    return claims
