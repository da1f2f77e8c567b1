"""Passage ranking: a claim that names a date gets the page's dateline among the first sentences."""
from __future__ import annotations

import numpy as np

from claims.retrieval import passages
from claims.retrieval.passages import date_parts, dateline, rank_sentences, score_sentences

FILLER = [f"Filler sentence number {i} talks about gardening, elections and weather in the state." for i in range(15)]
CLAIM = "In 2013, Gaetz announced that he would run for the state senate seat held by his father."
PAGE = [
    "Gaetz makes it official: he will run for his father's senate seat",
    "Jeff Henderson",
    "May 12, 2013 - 6:00pm",
    "Rep. Matt Gaetz made his bid official for the Florida Senate seat held by his father by filing his paperwork.",
    "Gaetz is expected to run for a fourth and final term in the House in 2014, the state party said.",
    "His father, Senate President Don Gaetz, currently holds the seat.",
    "The seat Don Gaetz holds is one of the most Republican senate districts in the state.",
    "Gaetz announced he would raise money for the senate run from the state's party donors.",
    "His father would leave the senate seat to him, Gaetz said.",
    *FILLER,
    "Gaetz announced the run for the senate seat at a party dinner; his father, the senate president, held the seat.",
]


def test_date_parts_reads_the_usual_ways_of_writing_a_date():
    assert date_parts("Thu 6 Sep 2018 10.54 EDT") == passages.DateParts(frozenset({2018}), frozenset({9}), frozenset({6}))
    assert date_parts("(meta data) PUBLISHED DATETIME: 2016-08-24") == passages.DateParts(
        frozenset({2016}), frozenset({8}), frozenset({24})
    )
    assert date_parts("On August 10, Smith was hired") == passages.DateParts(frozenset(), frozenset({8}), frozenset({10}))
    # "may" the verb is no month; figures are no years.
    assert date_parts("Prices may rise by 1,999 dollars or 2016.5 units") == passages.DateParts(frozenset(), frozenset(), frozenset())


def test_dateline_is_the_shortest_line_with_the_claims_date():
    assert dateline(CLAIM, PAGE) == 2
    assert dateline("Gaetz will run for the senate seat held by his father.", PAGE) is None  # no date in the claim
    assert dateline("In 2010, Gaetz was elected.", PAGE) is None  # the page has no line with that year
    # A claim without a year matches on the month (and the day).
    assert dateline("On May 12, Gaetz filed.", ["Filed in May.", "May 12", "Filed on May 12 or so, says the clerk."]) == 1


def test_a_written_date_beats_a_shorter_heading_that_only_names_the_year():
    claim = "In 2019, the film was named among the worst of the year, after flops in 2016 and 2018."
    page = ["The worst movies of 2019", "May 26, 2019 / 4:47 PM", "Critics named the film among the worst of 2019."]
    assert dateline(claim, page) == 1
    # Between two written dates, the fewer words still win.
    assert dateline(claim, ["Posted on May 26, 2019 at 4:47 PM by staff", "May 26, 2019"]) == 1


def test_the_dateline_is_raised_into_the_first_five_but_never_to_first_place():
    plain = score_sentences(CLAIM, PAGE, encode=None, dateline_rank=0)
    assert list(np.argsort(-plain, kind="stable")).index(2) >= 5  # BM25 alone buries it
    raised = score_sentences(CLAIM, PAGE, encode=None)
    order = list(np.argsort(-raised, kind="stable"))
    assert order.index(2) == passages.DATELINE_RANK - 1
    assert order[0] == int(np.argmax(plain))  # the suggested quote is unchanged
    assert order[: passages.DATELINE_RANK - 1] == list(np.argsort(-plain, kind="stable"))[: passages.DATELINE_RANK - 1]


def test_a_long_document_keeps_its_dateline_when_cut_for_embedding(monkeypatch):
    monkeypatch.setattr(passages, "MAX_EMBEDDED_SENTENCES", 5)

    def encode(texts):
        vectors = np.ones((len(texts), 4))
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

    body = " ".join(s if s.endswith((".", "!", "?")) else s + "." for s in PAGE)
    ranked = rank_sentences(CLAIM, body, encode=encode, limit=10)
    assert len(ranked) == 5
    assert "May 12, 2013 - 6:00pm." in [body[r.start : r.end] for r in ranked]
