"""Properties of the extractor on any input: it never raises, and every span slices back exactly.

Generated text mixes sentences, HTML markup, emoji, right-to-left scripts, text
without punctuation, odd whitespace and quotes, the shapes news copy takes
when it arrives from a CMS.
"""
from __future__ import annotations

from datetime import datetime, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claims.extraction import detect_language, extract

PUBLISHED = datetime(2023, 10, 19, 8, tzinfo=timezone.utc)

pieces = st.sampled_from([
    "Sergey Lavrov arrived in Pyongyang on Wednesday.", "He met Kim Jong Un and was invited to a parade.",
    "The U.S. economy grew 3.2% in July, Sen. Smith said.", "<p>", "</p>", "<b>bold</b>", "<script>x()</script>",
    "&amp;", "\n", "\n\n", "- ", "1. ", ":", ",", " and ", " which ", " such as ", "“", "”", '"', "'s", "🙂🚀",
    "مرحبا بالعالم", "שלום עולם", "Привет, мир.", "no punctuation at all here just words", "   ", "\t", "?", "!",
    "In 1980, the court ruled.", "on Monday", "last year", "May", "Although it rained, the match went ahead.",
])
documents = st.one_of(
    st.lists(pieces, max_size=40).map("".join),
    st.text(max_size=400),
    st.lists(st.one_of(pieces, st.text(max_size=30)), max_size=25).map(" ".join),
)


@settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(documents)
def test_extraction_never_raises_and_every_span_slices_back_exactly(text):
    claims = extract(text, published_at=PUBLISHED, language=detect_language(text))
    for claim in claims:
        assert 0 <= claim.start < claim.end <= len(text)
        assert text[claim.start:claim.end] == claim.source_text
        assert 0.0 <= claim.score <= 1.0
        assert claim.text.strip()
        for date in claim.dates:
            assert 0 <= date.start < date.end <= len(text) and text[date.start:date.end] == date.text
        for entity in claim.entities:
            assert text[entity.start:entity.end] == entity.text


def test_empty_and_blank_text_give_no_claims():
    assert extract("") == [] and extract("   \n\t ") == []


def test_two_megabytes_of_text_complete_with_exact_spans():
    paragraph = ("Russian Foreign Minister Sergey Lavrov arrived in Pyongyang on Wednesday. "
                 "The visit is seen as a sign of closer ties and is expected to last two days.\n\n")
    text = paragraph * (2_000_000 // len(paragraph) + 1)
    claims = extract(text, published_at=PUBLISHED)
    assert len(claims) > 10_000
    assert all(text[c.start:c.end] == c.source_text for c in claims[:: max(1, len(claims) // 500)])


def test_text_without_punctuation_still_yields_a_claim():
    text = "officials said the bridge carried 40000 vehicles a day before it closed in march for repairs"
    (claim,) = extract(text, published_at=PUBLISHED)
    assert claim.source_text == text


def test_non_english_and_right_to_left_text_is_detected_and_not_crashed_on():
    for text in ["Министр иностранных дел Сергей Лавров прибыл в Пхеньян в среду.", "وصل وزير الخارجية الروسي إلى بيونغ يانغ يوم الأربعاء."]:
        language = detect_language(text)
        assert language != "en"
        claims = extract(text, published_at=PUBLISHED, language=language)
        assert all(not c.checkworthy for c in claims)
        assert all(text[c.start:c.end] == c.source_text for c in claims)
