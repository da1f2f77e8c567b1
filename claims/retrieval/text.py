"""Text analysis shared by every ranking in Factdesk: terms, query cleaning, sentences.

One analyser for the lexical index, the passage ranker and the evaluations, so a
claim is matched the same way everywhere. Plain Python: no Django.
"""
from __future__ import annotations

import re
from functools import lru_cache

import Stemmer

STOPWORDS = frozenset(
    """a an and are as at be been being but by can did do does doing for from had has have having he her
    here hers him his how i if in into is it its itself just me more most my no nor not now of off on once
    only or other our ours out over own same she should so some such than that the their theirs them then
    there these they this those through to too under until up very was we were what when where which while
    who whom why will with you your yours also after before during about would could since because""".split()
)
_TOKEN = re.compile(r"[^\W_]+(?:[.,][0-9]+)*", re.UNICODE)
_URL = re.compile(r"(?:https?://|www\.|pic\.twitter\.com/)\S+", re.IGNORECASE)
_HANDLE = re.compile(r"@\w+")
_TWEET_SIGNATURE = re.compile(r"\s[—–-]\s[^—–]*\(@\w+\)\s+\w+ \d{1,2}, \d{4}\s*$")

_stemmer = Stemmer.Stemmer("english")


@lru_cache(maxsize=200_000)
def _stem(word: str) -> str:
    return _stemmer.stemWord(word)


def terms(text: str, *, keep_stopwords: bool = False) -> list[str]:
    """Lower-cased, Snowball-stemmed word terms in text order (repeats kept).

    Numbers keep their decimal point or thousands separator ("3.9", "1,000"), so
    figures match as figures.
    """
    out = []
    for token in _TOKEN.findall(text.lower()):
        token = token.replace(",", "")
        if not keep_stopwords and (token in STOPWORDS or len(token) < 2 and not token.isdigit()):
            continue
        out.append(_stem(token))
    return out


# "RevolutionaryWarAirports", "Trump2020": words run together the way hashtags are written.
_CAMEL = re.compile(r"(?<=[a-z]{2})(?=[A-Z][a-z])|(?<=[a-z]{2})(?=[0-9])|(?<=[0-9])(?=[A-Z][a-z])")


def split_camel_case(word: str) -> str:
    """'RevolutionaryWarAirports' -> 'Revolutionary War Airports'; 'iPhone', 'McDonald' and 'COVID19' stay whole."""
    return _CAMEL.sub(" ", word) if len(word) > 5 else word


def clean_query(text: str) -> str:
    """Strip what social posts add around a claim: URLs, @handles, '#', the tweet's signature line;
    words run together in hashtags are split at their capitals."""
    text = _TWEET_SIGNATURE.sub(" ", text)
    text = _URL.sub(" ", text)
    text = _HANDLE.sub(" ", text)
    text = text.replace("#", " ")
    text = re.sub(r"\S+", lambda m: split_camel_case(m.group()), text)
    return re.sub(r"\s+", " ", text).strip()


# A sentence ends at . ! ? (optionally followed by quotes/brackets) + whitespace + an
# upper-case letter, digit or quote, or at a blank line. "3.9" and "U.S. economy"
# never end a sentence: the first has no space after the dot, the second no capital.
_BOUNDARY = re.compile(r"""(?<=[.!?])["'”’)\]]*\s+(?=["'“‘(\[]?[A-Z0-9])|\n\s*\n|\n(?=\s*[-*•#]|\s*[A-Z])""")
_ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof sr jr st mt no vs etc inc ltd co corp gov sen rep gen col lt sgt jan feb mar apr jun jul aug sep sept oct nov dec fig e.g i.e u.s u.k".split()
)


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans ``(start, end)`` into ``text``, whitespace trimmed, in order.

    ``text[start:end]`` is always the exact sentence; decimals ("3.9"), initials and
    common abbreviations ("Dr. Smith", "U.S. Senate") do not split.
    """
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        cut = match.start()
        before = text[start:cut].rstrip()
        last_word = before.rsplit(None, 1)[-1].rstrip(".").lower() if before.split() else ""
        if before.endswith(".") and (last_word in _ABBREVIATIONS or (len(last_word) == 1 and last_word.isalpha())):
            continue
        _add_span(text, start, cut, spans)
        start = match.end()
    _add_span(text, start, len(text), spans)
    return spans


def _add_span(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append((start, end))


def windows(text: str, *, max_chars: int = 600, max_sentences: int = 4) -> list[tuple[int, int]]:
    """Passages for indexing: runs of whole sentences up to ``max_chars`` (a longer
    sentence is its own passage), as ``(start, end)`` offsets into ``text``."""
    out: list[tuple[int, int]] = []
    cur_start = cur_end = None
    count = 0
    for start, end in split_sentences(text):
        if cur_start is not None and (end - cur_start > max_chars or count >= max_sentences or "\n\n" in text[cur_end:start]):
            out.append((cur_start, cur_end))
            cur_start = None
        if cur_start is None:
            cur_start, count = start, 0
        cur_end = end
        count += 1
    if cur_start is not None:
        out.append((cur_start, cur_end))
    return out
