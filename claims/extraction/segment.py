"""Sentence spans for news text, with offsets into the text exactly as given.

nupunkt does the sentence boundaries (abbreviations such as U.S., Gen., Sen.,
initials, decimals and money stay inside a sentence). Around it:

- HTML markup is masked with spaces of the same length before segmentation, so
  tags never reach a claim and every offset still points into the original;
- blank lines, bullet items and heading-like lines are hard boundaries: a list
  item or a headline never runs into the next paragraph;
- a dateline ("MOSCOW (Reuters) -") at the start of a paragraph is left out of
  the first sentence's span.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import nupunkt

_TAG = re.compile(r"<script\b.*?</script\s*>|<style\b.*?</style\s*>|<!--.*?-->|<[^>]{1,500}>", re.I | re.S)
_ENTITY = re.compile(r"&(?:[a-z]{2,8}|#\d{1,6}|#x[0-9a-f]{1,6});", re.I)
_BLOCK = re.compile(r"\n\s*\n|\n(?=\s*(?:[-*•·–]\s|\d{1,2}[.)]\s*[A-Z\"“]))|(?<=:)\s+(?=1[.)]\s*[A-Z\"“])")
_BULLET = re.compile(r"^\s*(?:[-*•·–]\s+|\d{1,2}[.)]\s*(?=[A-Z\"“]))")
_DATELINE = re.compile(r"[A-Z][A-Z .,'-]{2,40}(?:\([A-Za-z .]+\))?\s+[-–—]\s+")
MIN_CHARS = 12


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    text: str  # text[start:end] of the original


def mask_markup(text: str) -> str:
    """The text with HTML tags and entities replaced by spaces: same length, same offsets."""
    if "<" not in text and "&" not in text:
        return text
    masked = _TAG.sub(lambda m: " " * len(m.group(0)), text)
    return _ENTITY.sub(lambda m: " " * len(m.group(0)), masked)


def _blocks(text: str):
    start = 0
    for match in _BLOCK.finditer(text):
        yield start, match.start()
        start = match.end()
    yield start, len(text)


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and (text[start].isspace() or text[start] in "\u200b\ufeff"):
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def sentences(text: str) -> list[Sentence]:
    """Every sentence of ``text`` (at least MIN_CHARS long) as an exact span of it."""
    if not text or not text.strip():
        return []
    masked = mask_markup(text)
    found: list[Sentence] = []
    for block_start, block_end in _blocks(masked):
        block = masked[block_start:block_end]
        if not block.strip():
            continue
        bullet = _BULLET.match(block)
        offset = block_start + (bullet.end() if bullet else 0)
        body = masked[offset:block_end]
        lead = len(body) - len(body.lstrip())
        dateline = _DATELINE.match(body, lead)
        if dateline:
            offset += dateline.end()
            body = masked[offset:block_end]
        spans: list[tuple[int, int]] = []
        for _, (s, e) in nupunkt.sent_spans_with_text(body):
            # Lines inside a block that look like separate items (no final punctuation) split too.
            for ls, le in _line_parts(body, s, e):
                start, end = _trim(masked, offset + ls, offset + le)
                if end <= start:
                    continue
                if spans and _open_quote(masked[spans[-1][0]:spans[-1][1]]):
                    spans[-1] = (spans[-1][0], end)  # a quotation that runs over several sentences
                else:
                    spans.append((start, end))
        for start, end in spans:
            if end - start >= MIN_CHARS and any(c.isalpha() for c in masked[start:end]):
                found.append(Sentence(start, end, text[start:end]))
    return found


def _open_quote(sentence: str) -> bool:
    """True when a quotation opened in ``sentence`` is not closed by its end."""
    if sentence.count("“") > sentence.count("”"):
        return True
    return sentence.count('"') % 2 == 1


def _line_parts(body: str, start: int, end: int):
    """Split a sentence span after a heading-like line: short, mostly capitalised, no final punctuation.

    A hard-wrapped line of running text is not split (its words are mostly lower case)."""
    cut = start
    for match in re.finditer(r"\n", body[start:end]):
        at = start + match.start()
        line = body[cut:at].strip()
        words = line.split()
        heading = words and len(words) <= 12 and sum(w[:1].isupper() or w[:1].isdigit() for w in words) >= 0.6 * len(words)
        if heading and line[-1] not in ".,;:!?\"'”’)-–—":
            yield cut, at
            cut = at + 1
    yield cut, end
