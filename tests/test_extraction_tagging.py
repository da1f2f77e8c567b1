"""Tags and entity labels per claim (claims.extraction.tagging through extract()).

Plain Python (no database). The sentences are made up for these tests.
"""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from claims.extraction import extract

PUBLISHED = datetime(2024, 3, 14, 9, tzinfo=timezone.utc)  # a Thursday


def _one(text: str):
    claims = extract(text, published_at=PUBLISHED)
    assert claims, text
    return claims[0]


def _labels(claim) -> dict[str, str]:
    return {e.text: e.label for e in claim.entities}


@pytest.mark.parametrize("sentence, tag", [
    ("Unemployment in Norway fell to 3.1% in February, the statistics office said.", "quote"),
    ("“We have never seen waiting lists this long at the clinic,” Health Minister Ana Ruiz told reporters.", "quote"),
    ("According to the port authority, cargo volumes fell sharply.", "quote"),
    ("The senate voted 52 to 48 to confirm the nominee.", "number"),
    ("Hundreds of residents were evacuated from the valley.", "number"),
    ("The mayor opened the library in 1998.", "date"),
    ("The council met on Tuesday to approve the budget.", "date"),
    ("The Danube Shipping Company is the largest operator on the river.", "comparison"),
    ("Marta Kell founded the first seed bank in the province.", "comparison"),
    ("The new tunnel is longer than the old one.", "comparison"),
    ("Rail ridership reached a record high in the winter.", "comparison"),
    ("The European Central Bank raised rates to their highest level since 2001.", "comparison"),
    ("The ferry service was suspended due to high winds.", "causal"),
    ("Heavy rain led to flooding in the lower town.", "causal"),
    ("The outage was caused by a failed transformer.", "causal"),
])
def test_each_kind_of_claim_gets_its_tag(sentence, tag):
    assert tag in _one(sentence).tags


@pytest.mark.parametrize("sentence, tag", [
    ("The mayor opened the library in 1998.", "number"),  # a year that is part of a date is not a statistic
    ("The talks between the two countries continued.", "number"),  # "the two" refers back, it does not count
    ("The so-called “reform” was rejected by the assembly.", "quote"),  # one word in quotes is a scare quote
    ("The protest drew interest from residents in the west of the city.", "comparison"),  # -est, not a superlative
    ("The minister spoke off the record about the first round of talks.", "comparison"),
    ("Farmers sold their harvest at the weekly market.", "causal"),
])
def test_words_that_only_look_like_a_tag_do_not_set_it(sentence, tag):
    assert tag not in _one(sentence).tags


def test_the_attribution_and_the_cause_of_a_sentence_cover_every_claim_split_from_it():
    quoted = extract("The plant closed in May and was sold to a rival in June, union leader Ida Brandt said.",
                     published_at=PUBLISHED)
    assert len(quoted) >= 2 and all("quote" in c.tags for c in quoted)
    causal = extract("The bridge collapsed because the steel cables had corroded.", published_at=PUBLISHED)
    assert len(causal) == 2 and all("causal" in c.tags for c in causal)
    assert [c.text for c in causal] == ["The bridge collapsed.", "The steel cables had corroded."]  # wording untouched


def test_people_organisations_places_and_dates_are_labelled():
    labels = _labels(_one("Health Minister Ana Ruiz visited Tallinn on Tuesday with officials from the Ministry of Finance."))
    assert labels == {"Ana Ruiz": "PERSON", "Tallinn": "PLACE", "Tuesday": "DATE", "Ministry of Finance": "ORG"}
    claims = extract("Arlen Voss, who founded Voss Robotics Inc. in 2011, moved the company to Portugal.", published_at=PUBLISHED)
    labels = {e.text: e.label for c in claims for e in c.entities}
    assert labels["Arlen Voss"] == "PERSON" and labels["Voss Robotics Inc"] == "ORG"
    assert labels["2011"] == "DATE" and labels["Portugal"] == "PLACE"
    labels = _labels(_one("Greta Halvorsen said the Quorn County Council had ignored warnings from NATO and the U.S."))
    assert labels == {"Greta Halvorsen": "PERSON", "Quorn County Council": "ORG", "NATO": "ORG", "U.S.": "PLACE"}


def test_a_label_found_once_holds_for_the_rest_of_the_article():
    claims = extract("The convoy stopped in Vardenik overnight. Vardenik has no working hospital.", published_at=PUBLISHED)
    assert [_labels(c) for c in claims] == [{"Vardenik": "PLACE"}, {"Vardenik": "PLACE"}]


def test_a_name_gets_the_label_the_article_gives_it_later():
    claims = extract("Lena Marsh opened the gallery in 2019. Dr. Marsh sold it to a museum last year.", published_at=PUBLISHED)
    assert _labels(claims[0])["Lena Marsh"] == "PERSON"


def test_a_nationality_before_a_noun_is_not_a_place():
    assert _labels(_one("Tariffs rose sharply in Freedonian ports after the vote."))["Freedonian"] == "NAME"


def test_a_capitalised_first_word_is_not_taken_for_a_name():
    assert _labels(_one("Officials at the harbour approved the budget on Monday.")) == {"Monday": "DATE"}


def test_entity_offsets_slice_the_article_even_with_markup():
    text = ('<p>Greta Halvorsen said the <b>Quorn County Council</b> met on <i>Tuesday</i>.</p>\n'
            '<p>The council is the oldest in Wales, the archive said.</p>')
    claims = extract(text, published_at=PUBLISHED)
    entities = [e for c in claims for e in c.entities]
    assert {e.label for e in entities} >= {"PERSON", "ORG", "DATE", "PLACE"}
    assert all(text[e.start:e.end] == e.text for e in entities)
    assert all(text[c.start:c.end] == c.source_text for c in claims)
    assert "quote" in claims[-1].tags and "comparison" in claims[-1].tags
