"""Render an article body as HTML with claim spans marked.

Article text comes from outside (a CMS, a paste) and may contain markup or
scripts: every piece of it is escaped here, and only our own ``<mark>`` and
``<br>`` tags are added. Never pass article text to ``mark_safe`` elsewhere.
"""
from __future__ import annotations

from collections.abc import Iterable

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe


def highlight_spans(body: str, spans: Iterable[tuple[int, int, str]], *, active: int | None = None) -> SafeString:
    """``spans`` are (start, end, label); overlapping spans are merged visually.

    ``active`` (a label) gets the ``active`` class, e.g. the claim on its own page.
    """
    spans = [(max(0, s), min(len(body), e), str(label)) for s, e, label in spans if e > s]
    cuts = sorted({0, len(body), *[s for s, _, _ in spans], *[e for _, e, _ in spans]})
    parts: list[str] = []
    for start, end in zip(cuts, cuts[1:]):
        if start >= end:
            continue
        piece = escape(body[start:end]).replace("\n", "<br>")
        covering = [label for s, e, label in spans if s <= start and end <= e]
        if covering:
            css = "claim-span active" if active is not None and str(active) in covering else "claim-span"
            title = escape("claim " + ", ".join(covering))
            parts.append(f'<mark class="{css}" title="{title}" data-claims="{escape(" ".join(covering))}">{piece}</mark>')
        else:
            parts.append(piece)
    return mark_safe("".join(parts))  # every piece of article text above went through escape()
