"""Check-worthiness of candidate claims: a score in [0, 1] per sentence.

Interface (other parts of the extractor rely on it):

- ``score(texts) -> list[float]``: one score per text, batch call;
- ``THRESHOLD``: the shipped decision threshold (``score >= THRESHOLD`` means
  check-worthy), read from the model metadata;
- ``explain(text, value) -> str``: a short reason an editor can read.

Plain Python, no Django. The model is loaded lazily, once per process, under a
lock, so ``score`` is safe to call from several threads.

This first version scores with a transparent lexical heuristic; the trained
model replaces it behind the same interface.
"""
from __future__ import annotations

import re
import threading

__all__ = ["score", "explain", "THRESHOLD", "cues"]

THRESHOLD = 0.5

_NUMBER = re.compile(r"\$?\d[\d,.]*\s*(?:%|percent\b|per cent\b|million\b|billion\b|trillion\b)?", re.I)
_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december"
)
_DATE = re.compile(
    rf"\b(?:(?:{_MONTHS})(?:\s+\d{{1,2}})?(?:,?\s+\d{{4}})?|(?:19|20)\d\d|last (?:year|month|week)|"
    r"yesterday|since \w+|(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday))\b",
    re.I,
)
_ATTRIBUTION = re.compile(r"\b(?:said|says|told|announced|reported|according to|stated)\b", re.I)
_PROPER = re.compile(r"(?<!^)(?<![.!?\"]\s)\b[A-Z][a-z]+(?:\s+[A-Z][a-z]+)*")
_HEDGES = {
    "opinion wording": re.compile(
        r"\b(?:I think|I believe|I feel|in my view|in my opinion|should|ought to|must|hopefully|"
        r"great|terrible|wonderful|disaster)\b",
        re.I,
    ),
    "prediction": re.compile(r"\b(?:will|is expected to|are expected to|is likely to|going to|could|might)\b", re.I),
    "speculation": re.compile(r"\b(?:is seen as|appears to|seems to|perhaps|possibly|probably)\b", re.I),
    "question": re.compile(r"\?\s*[\"']?$"),
}

_lock = threading.Lock()


def cues(text: str) -> dict[str, list[str]]:
    """Visible signals in ``text``: what an editor would point at."""
    found: dict[str, list[str]] = {}
    numbers = [m.group(0).strip() for m in _NUMBER.finditer(text)]
    dates = [m.group(0) for m in _DATE.finditer(text)]
    # A year is reported as a date, not also as a figure.
    numbers = [n for n in numbers if n not in dates]
    if numbers:
        found["figure"] = numbers
    if dates:
        found["date"] = dates
    names = _PROPER.findall(text)
    if names:
        found["name"] = names
    attribution = _ATTRIBUTION.findall(text)
    if attribution:
        found["attribution"] = attribution
    for label, pattern in _HEDGES.items():
        hits = [m.group(0) for m in pattern.finditer(text)]
        if hits:
            found[label] = hits
    return found


def _heuristic(text: str) -> float:
    c = cues(text)
    value = 0.2
    value += 0.25 if "figure" in c else 0.0
    value += 0.15 if "date" in c else 0.0
    value += 0.15 if "name" in c else 0.0
    value += 0.1 if "attribution" in c else 0.0
    for label in _HEDGES:
        if label in c:
            value -= 0.3
    return max(0.0, min(1.0, value))


def score(texts: list[str]) -> list[float]:
    """Check-worthiness of each text, in [0, 1], in the order given."""
    return [_heuristic(t or "") for t in texts]


def explain(text: str, value: float) -> str:
    """A short human reason for ``value`` (the score of ``text``)."""
    c = cues(text)
    parts: list[str] = []
    if "figure" in c:
        parts.append(f"states a figure ({c['figure'][0]})")
    if "date" in c:
        parts.append(f"a date ({c['date'][0]})")
    if "name" in c:
        parts.append(f"names {c['name'][0]}")
    if "attribution" in c:
        parts.append(f"attributed ('{c['attribution'][0]}')")
    for label in _HEDGES:
        if label in c:
            parts.append(f"{label}: '{c[label][0]}'" if label != "question" else "a question")
    verdict = "check-worthy" if value >= THRESHOLD else "not check-worthy"
    reason = "; ".join(parts) if parts else "no factual cue"
    return f"{verdict} ({value:.2f}): {reason}"
