"""Dates in a sentence, anchored to the article's publication time.

Date expressions are found with our own patterns (dateparser's ``search_dates``
reads "3.2%" or "a 5-4 vote" as dates); each one found is then parsed by
dateparser's ``DateDataParser`` with ``RELATIVE_BASE`` = the publication time,
preferring the past, so the precision of the text is kept: "on Wednesday" for
an article of Thursday 19 October 2023 is the day 2023-10-18, "in July" is the
month 2023-07, "in 1980" the year 1980.
"""
from __future__ import annotations

import re
from datetime import datetime

from .types import ResolvedDate

_MONTH = r"(?:January|February|March|April|May|June|July|August|September|October|November|December|Jan\.|Feb\.|Aug\.|Sept?\.|Oct\.|Nov\.|Dec\.)"
_WEEKDAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_YEAR = r"(?:1[6-9]\d\d|20\d\d)"
_PATTERNS = [
    rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH}(?:,?\s+{_YEAR})?\b",  # 16 October 1898
    rf"\b{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+{_YEAR})?\b(?!\s*%)",  # October 16, 1898
    rf"\b{_MONTH}(?:\s+(?:of\s+)?{_YEAR})?\b",  # July / July 2023
    rf"\b(?:last|this|next)\s+{_WEEKDAY}\b|\b{_WEEKDAY}\b",  # (last) Wednesday
    r"\b(?:yesterday|today)\b",
    rf"\b(?:in|since|from|until|to|by|of|before|after|during)\s{_YEAR}\b(?![-–.,]?\d)(?!\s*%)",  # in 1980
]
_FINDER = re.compile("|".join(f"(?:{p})" for p in _PATTERNS))
_HAS_YEAR = re.compile(rf"\b{_YEAR}\b")
# "May" is also a verb: only a date when a day or year is attached, or after "in"/"since"/...
_AMBIGUOUS = {"may", "march"}


def find_dates(text: str, published_at: datetime | None, offset: int = 0) -> list[ResolvedDate]:
    """Resolved dates in ``text``; offsets are relative to the article when ``offset`` is the text's start."""
    found: list[ResolvedDate] = []
    for match in _FINDER.finditer(text):
        phrase, start = match.group(0), match.start()
        lead = re.match(r"(?:in|since|from|until|to|by|of|before|after|during)\s", phrase)
        if lead and re.fullmatch(r"\S+\s" + _YEAR, phrase):
            phrase, start = phrase[lead.end():], start + lead.end()  # "in 1980": the date is "1980"
        if phrase.lower() in _AMBIGUOUS and not re.search(r"\b(?:in|since|until|by|early|late|mid)\s*$", text[: match.start()], re.I):
            continue
        value, precision = _resolve(phrase, published_at)
        if value:
            found.append(ResolvedDate(text=phrase, start=offset + start, end=offset + match.end(), value=value, precision=precision))
    return found


def _resolve(phrase: str, published_at: datetime | None) -> tuple[str, str]:
    settings = {"PREFER_DATES_FROM": "past", "RETURN_TIME_AS_PERIOD": True}
    if published_at is not None:
        settings["RELATIVE_BASE"] = published_at.replace(tzinfo=None)
    elif not _HAS_YEAR.search(phrase):
        return "", ""  # "in July" of which year? Without a publication date we do not guess.
    data = _parse(phrase, settings)
    if data is None or data.date_obj is None:
        return "", ""
    when, period = data.date_obj, data.period or "day"
    if period == "month":
        return when.strftime("%Y-%m"), "month"
    if period == "year":
        return when.strftime("%Y"), "year"
    return when.strftime("%Y-%m-%d"), "day"


def _parse(phrase: str, settings: dict):
    from dateparser.date import DateDataParser

    key = tuple(sorted((k, str(v)) for k, v in settings.items()))
    parser = _parsers.get(key)
    if parser is None:
        if len(_parsers) > 64:
            _parsers.clear()
        parser = _parsers[key] = DateDataParser(languages=["en"], settings=settings)
    return parser.get_date_data(phrase)


_parsers: dict = {}


def anchor(text: str, dates: list[ResolvedDate], offset: int = 0) -> str:
    """``text`` with each year-less date made explicit: "on Wednesday" -> "on Wednesday, 18 October 2023"."""
    out, cursor = [], 0
    for date in dates:
        start, end = date.start - offset, date.end - offset
        if start < cursor or end > len(text) or _HAS_YEAR.search(date.text):
            continue
        out.append(text[cursor:end])
        if date.precision == "day":
            stamp = datetime.strptime(date.value, "%Y-%m-%d")
            out.append(f", {stamp.day} {stamp:%B %Y}" if re.search(_WEEKDAY + r"|yesterday|today", date.text, re.I) else f" {stamp.year}")
        elif date.precision == "month":
            out.append(f" {date.value[:4]}")
        cursor = end
    out.append(text[cursor:])
    return "".join(out)
