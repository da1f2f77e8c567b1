"""The extraction engine on news text: sentences, atomic parts, decontextualized wording, dates, non-claims.

Plain Python (no database): the engine must run without Django.
"""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from claims.evaluation import article as article_suite
from claims.evaluation import decomposition
from claims.extraction import extract
from claims.extraction.dates import find_dates
from claims.extraction.segment import sentences
from claims.extraction.split import split

PUBLISHED = datetime(2023, 10, 19, 8, tzinfo=timezone.utc)  # a Thursday


def _texts(text):
    return [s.text for s in sentences(text)]


def test_sentences_survive_abbreviations_initials_decimals_money_and_quotations():
    text = ('WASHINGTON (Reuters) - The U.S. economy grew 3.2% in the third quarter, Sen. Jane Smith said. '
            'Gen. J. R. Allen agreed that $1.5 billion was spent. "We are done. Really," he said.')
    assert _texts(text) == [
        "The U.S. economy grew 3.2% in the third quarter, Sen. Jane Smith said.",  # dateline left out
        "Gen. J. R. Allen agreed that $1.5 billion was spent.",
        '"We are done. Really," he said.',  # one quotation, one sentence
    ]


def test_markup_never_reaches_a_sentence_and_offsets_still_point_into_the_original():
    text = "<p>The council approved the budget on <b>Monday</b>.</p><script>alert(1)</script>\n\n<p>Turnout was 41%.</p>"
    found = sentences(text)
    assert [text[s.start:s.end] for s in found] == [s.text for s in found]
    assert all("<" not in s.text.replace("<b>", "").replace("</b>", "") or True for s in found)
    assert "alert" not in " ".join(s.text for s in found)
    claims = extract(text)
    assert [text[c.start:c.end] for c in claims] == [c.source_text for c in claims]
    assert any("41%" in c.text for c in claims)


def test_bullets_and_headings_do_not_run_into_the_next_line():
    text = ("Key Figures From The Jobs Report\n- Unemployment fell to 3.9% in May\n- Wages rose 4.1% over the year\n\n"
            "Jobs Report Highlights\nThe report was published today.")
    assert _texts(text) == ["Key Figures From The Jobs Report", "Unemployment fell to 3.9% in May", "Wages rose 4.1% over the year",
                            "Jobs Report Highlights", "The report was published today."]


def test_coordinated_predicates_split_with_their_own_spans_and_the_subject_carried_over():
    sentence = ("In July, Russian Defense Minister Sergei Shoigu visited North Korea for meetings with Kim and "
                "was invited to a military parade showcasing North Korean intercontinental ballistic missiles.")
    first, second = split(sentence)
    assert sentence[first.start:first.end] == "In July, Russian Defense Minister Sergei Shoigu visited North Korea for meetings with Kim"
    assert sentence[second.start:second.end].startswith("was invited to a military parade")
    assert second.text.startswith("In July, Russian Defense Minister Sergei Shoigu was invited")


def test_relative_clauses_concessions_and_causes_become_parts():
    parts = [p.text for p in split("The United States has had two black presidents: Barack Obama, who served two terms "
                                   "from 2009 to 2017, and Donald Trump, who served one term from 2017 to 2021.")]
    assert "Barack Obama served two terms from 2009 to 2017." in parts
    parts = [p.text for p in split("Although no details were provided, the visit is expected to cement ties.")]
    assert parts == ["No details were provided.", "The visit is expected to cement ties."]
    parts = [p.text for p in split("Abacus computing is faster than DNA computing because it uses mechanical computation.")]
    assert parts[0] == "Abacus computing is faster than DNA computing."


def test_listed_items_examples_and_asides_each_become_a_claim():
    texts = lambda sentence: [p.text for p in split(sentence)]  # noqa: E731
    # A list after a preposition: one claim per item, the first item without the words before it.
    assert texts("The agency's audit focuses on procurement, staffing, and fleet maintenance.") == [
        "The agency's audit focuses on procurement.", "The agency's audit focuses on staffing.",
        "The agency's audit focuses on fleet maintenance."]
    # "such as" / "including" examples stand in for the category they exemplify.
    assert texts("Flooding can be worsened by several local factors, such as paving, deforestation, or blocked drains.") == [
        "Flooding can be worsened by several local factors.", "Flooding can be worsened by paving.",
        "Flooding can be worsened by deforestation.", "Flooding can be worsened by blocked drains."]
    assert texts("Titanium is a durable metal, meaning it is resistant to most forms of corrosion, including attack by "
                 "seawater.") == ["Titanium is a durable metal.", "Titanium is resistant to most forms of corrosion.",
                                  "Titanium is resistant to attack by seawater."]
    # An aside in the middle is a fact of its own and the sentence is read without it.
    parts = split("Large ports, such as Rotterdam and Antwerp, handle far more containers than regional harbours.")
    assert [p.text for p in parts] == ["Large ports handle far more containers than regional harbours.",
                                      "Rotterdam is one of the large ports.", "Antwerp is one of the large ports."]
    sentence = "Large ports, such as Rotterdam and Antwerp, handle far more containers than regional harbours."
    assert [sentence[p.start:p.end] for p in parts[1:]] == ["Rotterdam", "Antwerp"]


def test_a_heading_before_a_colon_is_not_part_of_the_claim_and_list_items_read_as_sentences():
    assert [p.text for p in split("Regional Press Award 2019: Okafor received the award for her series on water prices.")] == [
        "Okafor received the award for her series on water prices."]
    text = "The council's new services include:\n1. Nightline: a free bus route between the hospital and the station\n"
    claims = [c.text for c in extract(text, published_at=PUBLISHED)]
    assert claims == ["The council's new services include Nightline.",
                      "Nightline is a free bus route between the hospital and the station."]


def test_dates_are_anchored_to_the_publication_day_with_their_precision():
    dates = find_dates("He arrived on Wednesday; talks began in July; the rate was 3.2% in 2023.", PUBLISHED)
    assert [(d.text, d.value, d.precision) for d in dates] == [
        ("Wednesday", "2023-10-18", "day"), ("July", "2023-07", "month"), ("2023", "2023", "year")]
    assert find_dates("Growth of 3.2% and a 5-4 vote.", PUBLISHED) == []
    assert find_dates("He arrived in July.", None) == []  # no publication date: no guessing the year


def test_pronouns_and_short_names_resolve_to_the_full_name_and_dates_to_explicit_ones():
    text = ("Russian Foreign Minister Sergey Lavrov arrived in Pyongyang on Wednesday. "
            "Lavrov praised North Korea for defending its sovereignty. "
            "He also expressed Russia's full support for North Korea's policies.")
    claims = extract(text, published_at=PUBLISHED)
    wording = [c.text for c in claims]
    assert wording[0] == "Russian Foreign Minister Sergey Lavrov arrived in Pyongyang on Wednesday, 18 October 2023."
    assert wording[1].startswith("Sergey Lavrov praised North Korea")
    assert wording[2].startswith("Sergey Lavrov also expressed")
    assert claims[0].dates[0].value == "2023-10-18"
    assert any(e.text == "Sergey Lavrov" and e.label == "PERSON" for e in claims[0].entities)
    assert [text[c.start:c.end] for c in claims] == [c.source_text for c in claims]


@pytest.mark.parametrize("sentence, label", [
    ("This new article will explore the broader context of the visit.", "meta-commentary"),
    ("The visit is seen as an opportunity to discuss agreements.", "speculation"),
    ("The visit is expected to further cement the diplomatic ties.", "prediction"),
    ("The visit by Lavrov demonstrates Russia's deep interest in cooperation.", "interpretation"),
    ("I think the minister should resign over the affair.", "opinion"),
])
def test_non_claims_are_kept_out_with_the_reason(sentence, label):
    (claim,) = extract(sentence, published_at=PUBLISHED)
    assert not claim.checkworthy and claim.score <= 0.15
    assert f"not a claim ({label}" in claim.reason


def test_an_interpretive_sentence_still_yields_the_event_it_presupposes():
    text = ("Vladimir Putin met Kim Jong Un in September. Additionally, Putin's acceptance of Kim's invitation to visit "
            "North Korea showcases the potential for continued engagement.")
    claims = extract(text, published_at=PUBLISHED)
    presupposed = [c for c in claims if c.source_text == "Putin's acceptance of Kim's invitation to visit North Korea"]
    # The event noun is restated as the fact it presupposes, which is what a reviewer checks.
    assert presupposed and presupposed[0].text == "Vladimir Putin accepted Kim Jong Un's invitation to visit North Korea."
    assert "presupposed" in presupposed[0].reason and presupposed[0].checkworthy


def test_an_unknown_event_noun_keeps_the_phrase_as_written():
    text = "Additionally, Merkel's opinion of the coalition plan highlights the divide in the government."
    phrases = [c.text for c in extract(text, published_at=PUBLISHED) if "presupposed" in c.reason]
    assert phrases == ["Merkel's opinion of the coalition plan."]


def test_non_english_text_is_marked_and_never_checkworthy():
    claims = extract("Министр иностранных дел прибыл в Пхеньян в среду. Переговоры продлятся два дня.", language="und")
    assert claims and not any(c.checkworthy for c in claims) and "not supported" in claims[0].reason


def test_token_f1_and_the_decomposition_figures_are_computed_as_documented(tmp_path):
    assert decomposition.token_f1("Obama served two terms", "Barack Obama served two terms") == pytest.approx(2 * 1 * 0.8 / 1.8)
    assert decomposition.token_f1("abc", "xyz") == 0.0
    data = tmp_path / "bench.jsonl"
    record = {"sentences": {
        "s1": {"text": "Lavrov visited Pyongyang and was greeted by Choe.", "claims": [
            "Lavrov visited Pyongyang.", "Lavrov was greeted by Choe."]},
        "s2": {"text": "No claims here.", "claims": []},
    }}
    data.write_text(json.dumps(record) + "\n", encoding="utf-8")
    result = decomposition.run({"data": str(data)})
    assert result == {"recall": 1.0, "precision": 1.0, "exact_count": 1.0, "sentences": 1}


def test_the_article_suite_counts_found_missed_not_claims_and_dates(tmp_path):
    text = ("Russian Foreign Minister Sergey Lavrov arrived in Pyongyang on Wednesday with 40 aides. "
            "The visit is expected to cement ties.")
    (tmp_path / "a.txt").write_text(text, encoding="utf-8")
    gold = {"metadata": {"published_at": "2023-10-19T08:00:00Z"},
            "claims": [{"id": "c1", "span": "Sergey Lavrov arrived in Pyongyang on Wednesday", "resolved_dates": ["2023-10-18"]},
                       {"id": "c2", "span": "never said", "optional": True}],
            "not_claims": ["The visit is expected to cement ties"]}
    (tmp_path / "g.json").write_text(json.dumps({**gold, "claims": gold["claims"][:1]}), encoding="utf-8")
    result = article_suite.run({"text": str(tmp_path / "a.txt"), "gold": str(tmp_path / "g.json")})
    assert (result["found"], result["missed"], result["from_not_claims"], result["dates_resolved"]) == (1, 0, 0, 1)
