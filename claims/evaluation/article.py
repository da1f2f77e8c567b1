"""One article against a hand-made gold annotation: are the check-worthy claims found, the non-claims left out, the dates resolved?

- found: a gold claim (not marked optional) is found when a check-worthy extracted claim's span overlaps its span;
- missed: gold claims not found;
- from_not_claims: check-worthy extracted claims whose span overlaps a ``not_claims`` span;
- dates_resolved: gold resolved dates present among the resolved dates of the claims that found their gold claim.

Plain Python: reads two files, writes nothing.
"""
from __future__ import annotations

import json
from datetime import datetime

from claims.extraction import extract


def add_arguments(parser):
    parser.add_argument("--text", required=True, help="the article as plain text")
    parser.add_argument("--gold", required=True, help="gold JSON: claims (span, resolved_dates, optional), not_claims, metadata.published_at")


def _span(text: str, fragment: str, what: str) -> tuple[int, int]:
    at = text.find(fragment)
    if at < 0:
        raise SystemExit(f"gold {what} span not found in the article text: {fragment[:80]!r}")
    return at, at + len(fragment)


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def run(options: dict) -> dict:
    with open(options["text"], encoding="utf-8") as handle:
        text = handle.read()
    with open(options["gold"], encoding="utf-8") as handle:
        gold = json.load(handle)
    published = gold.get("metadata", {}).get("published_at")
    published_at = datetime.fromisoformat(published.replace("Z", "+00:00")) if published else None
    claims = [c for c in extract(text, published_at=published_at, language=gold.get("metadata", {}).get("language", "en")) if c.checkworthy]

    found, missed, dates_expected, dates_found = [], [], 0, 0
    for item in gold["claims"]:
        span = _span(text, item["span"], "claim")
        hits = [c for c in claims if _overlaps((c.start, c.end), span)]
        expected = set(item.get("resolved_dates", []))
        if item.get("optional"):
            continue
        dates_expected += len(expected)
        if hits:
            found.append(item["id"])
            resolved = {d.value for c in hits for d in c.dates}
            dates_found += len(expected & resolved)
        else:
            missed.append(item["id"])
    not_claims = [_span(text, fragment, "not_claims") for fragment in gold.get("not_claims", [])]
    offending = [c for c in claims if any(_overlaps((c.start, c.end), span) for span in not_claims)]
    return {
        "found": len(found),
        "missed": len(missed),
        "from_not_claims": len(offending),
        "dates_resolved": dates_found,
        "dates_expected": dates_expected,
        "required": len(found) + len(missed),
        "missed_ids": missed,
        "not_claim_texts": [c.source_text for c in offending],
        "claims": len(claims),
    }


def render(result: dict) -> str:
    lines = [
        f"found {result['found']} of {result['required']} required claims; missed: {', '.join(result['missed_ids']) or 'none'}",
        f"check-worthy claims from not_claims spans: {result['from_not_claims']}",
        *[f"  - {t}" for t in result["not_claim_texts"]],
        f"dates resolved: {result['dates_resolved']} of {result['dates_expected']}",
        f"check-worthy claims extracted: {result['claims']}",
    ]
    return "\n".join(lines)
