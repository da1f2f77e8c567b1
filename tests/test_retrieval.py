"""The pure retrieval engine: analysis, sentences, lexical/vector/hybrid ranking, passage choice."""
from __future__ import annotations

import numpy as np
import pytest

from claims.nlp.embeddings import get_encoder
from claims.retrieval.collection import HybridIndex
from claims.retrieval.hybrid import fuse
from claims.retrieval.lexical import LexicalIndex
from claims.retrieval.passages import best_passage, rank_sentences
from claims.retrieval.text import clean_query, split_sentences, terms, windows
from claims.retrieval.vector import LinearScan, VectorIndex

CORPUS = {
    1: "Unemployment fell to 3.9 percent in April, the lowest rate in a decade.",
    2: "The central bank raised interest rates by half a point to fight inflation.",
    3: "Wildfires burned across Australia, and volunteers left water out for wildlife.",
    4: "Jobless claims rose slightly last week while the labour market stayed tight.",
    5: "The football club signed a new striker for a record transfer fee.",
}


def test_it_keeps_decimals_and_abbreviations_inside_one_sentence():
    text = "GDP grew 3.9% in 2023. Dr. Smith said the U.S. Senate agreed! Did it? Yes."
    sentences = [text[s:e] for s, e in split_sentences(text)]
    assert sentences == ["GDP grew 3.9% in 2023.", "Dr. Smith said the U.S. Senate agreed!", "Did it?", "Yes."]


def test_sentence_and_window_offsets_slice_the_text_exactly():
    text = "  First one is here.  Second has 2.5 million people.\n\nA new paragraph starts. And ends.  "
    for start, end in split_sentences(text) + windows(text, max_chars=40):
        piece = text[start:end]
        assert piece == piece.strip() and piece
    assert [text[s:e] for s, e in windows(text, max_chars=1000)] == [
        "First one is here.  Second has 2.5 million people.",
        "A new paragraph starts. And ends.",
    ]


def test_terms_are_stemmed_and_keep_figures():
    assert terms("Prices were rising by 3.9% and 1,200 jobs") == ["price", "rise", "3.9", "1200", "job"]


def test_clean_query_strips_what_tweets_add():
    tweet = "Look at this #AustralianFires pic.twitter.com/abc https://t.co/x @someone — Jane (@jane) January 14, 2020"
    cleaned = clean_query(tweet)
    assert "http" not in cleaned and "@" not in cleaned and "#" not in cleaned and "2020" not in cleaned
    assert "Australian Fires" in cleaned  # a hashtag's words are split, so they match "Australian ... fires"


def test_clean_query_splits_hashtag_words_but_not_names_or_acronyms():
    assert clean_query("#RevolutionaryWarAirports Trump2020 hat") == "Revolutionary War Airports Trump 2020 hat"
    assert clean_query("iPhone McDonald COVID19 MAGA") == "iPhone McDonald COVID19 MAGA"


def test_lexical_index_ranks_by_bm25_and_forgets_deleted_items():
    index = LexicalIndex()
    index.add((key, {"text": text}) for key, text in CORPUS.items())
    index.commit()
    ranked = [key for key, _ in index.search("unemployment rate fell to 3.9 percent")]
    assert ranked[0] == 1
    assert 5 not in ranked
    index.delete([1])
    index.commit()
    assert 1 not in [key for key, _ in index.search("unemployment rate fell to 3.9 percent")]
    assert len(index) == 4


class _NoStoreSearcher:
    """A tantivy searcher whose document store must not be read."""

    def __init__(self, searcher):
        self._inner = searcher

    def doc(self, address):
        raise AssertionError("search read the document store")

    def __getattr__(self, name):
        return getattr(self._inner, name)


def test_lexical_search_reads_ids_from_the_key_column_in_every_segment():
    index = LexicalIndex()
    index.add((key, {"text": text}) for key, text in CORPUS.items())
    index.commit()
    big = 2**40  # u64 keys round-trip whole
    index.add([(big + 1, {"text": "Unemployment claims fell in April"}), (big + 2, {"text": "A record transfer fee"})])
    index.commit()
    index.delete([4])
    index.commit()
    assert index._searcher.num_segments >= 2
    expected = index.search("unemployment claims fell", k=10)
    index._searcher = _NoStoreSearcher(index._searcher)
    ranked = index.search("unemployment claims fell", k=10)
    assert ranked == expected
    assert {key for key, _ in ranked} == {1, big + 1} and all(isinstance(key, int) for key, _ in ranked)
    assert [key for key, _ in index.search("record transfer fee", k=2)] == [big + 2, 5]


def test_lexical_search_keeps_frequent_terms():
    # Every query term is scored, however many passages contain it: dropping the frequent
    # ones to bound the work cost claim matching against 1M passages 0.05-0.16 of its
    # MAP@5 (docs/benchmarks.md, "bench/retrieval.py").
    index = LexicalIndex()
    texts = {i: f"year {i} report new" for i in range(1, 40)} | {100: "new year honours list", 101: "bazoum returns"}
    index.add((key, {"text": text}) for key, text in texts.items())
    index.commit()
    ranked = [key for key, _ in index.search("new year bazoum honours", k=5)]
    assert ranked[:2] == [100, 101] or ranked[:2] == [101, 100]
    assert len(ranked) == 5  # passages with only the frequent terms still rank


@pytest.fixture(scope="module")
def vectors():
    encoder = get_encoder()
    return encoder, {key: vec for key, vec in zip(CORPUS, encoder.encode(list(CORPUS.values())))}


def test_vector_index_finds_the_same_nearest_as_a_linear_scan(vectors):
    encoder, by_key = vectors
    index = VectorIndex(capacity=2)  # grows as items arrive
    index.add(list(by_key), np.vstack(list(by_key.values())))
    query = encoder.encode(["people out of work: the jobless rate dropped"])[0]
    exact = LinearScan(list(by_key), np.vstack(list(by_key.values()))).search(query, k=5)
    approx = index.search(query, k=5)
    assert [k for k, _ in approx] == [k for k, _ in exact]
    assert approx[0][0] in (1, 4)  # the two labour-market texts, no shared words needed
    index.delete([approx[0][0]])
    assert approx[0][0] not in [k for k, _ in index.search(query, k=5)]


def test_hybrid_search_puts_the_document_both_rankings_like_first(vectors, tmp_path):
    encoder, by_key = vectors
    index = HybridIndex(tmp_path / "ix")
    index.add(list(CORPUS), list(CORPUS.values()), [""] * len(CORPUS), np.vstack(list(by_key.values())))
    index.commit(watermark=5)
    query = "the unemployment rate dropped to 3.9 percent"
    hits = index.search(query, encoder.encode([query])[0], k=3)
    assert hits[0].id == 1 and {"text", "cosine"} <= set(hits[0].signals)
    order = [h.id for h in index.search(query, encoder.encode([query])[0], k=5)]
    # "Jobless claims rose": no shared term, but close in meaning: above sport and wildfires.
    assert order.index(4) < order.index(5) and order.index(4) < order.index(3)
    # The files load back in another process with the same answers.
    again = HybridIndex(tmp_path / "ix")
    assert again.watermark == 5 and len(again) == 5
    assert [h.id for h in again.search(query, encoder.encode([query])[0], k=5)] == order


def test_rrf_and_linear_fusion_orders():
    rankings = {"a": [(1, 10.0), (2, 5.0), (3, 1.0)], "b": [(3, 0.9), (2, 0.8)]}
    assert [f.id for f in fuse(rankings, {"a": 1, "b": 1}, method="rrf")] == [3, 2, 1]  # 1/63 + 1/61 > 2/62
    linear = fuse(rankings, {"a": 1, "b": 1}, method="linear", normalise=("a",))
    assert [f.id for f in linear] == [2, 1, 3]
    assert linear[0].signals == {"a": 0.5, "b": 0.8}


def test_passage_selection_returns_the_best_sentence_with_exact_offsets():
    encode = get_encoder().encode
    body = (
        "The report was published on Monday. Unemployment fell to 3.9 percent in April, the statistics office said. "
        "Economists had expected 4.1 percent. The office publishes monthly."
    )
    best = best_passage("Unemployment dropped to 3.9% in April", body, encode=encode)
    assert body[best.start : best.end] == "Unemployment fell to 3.9 percent in April, the statistics office said."
    ranked = rank_sentences("Unemployment dropped to 3.9% in April", body, encode=None, limit=10)
    assert len(ranked) == 4 and ranked[0].start == best.start


def test_a_long_document_embeds_a_bounded_number_of_sentences(monkeypatch):
    import claims.retrieval.passages as passages

    monkeypatch.setattr(passages, "MAX_EMBEDDED_SENTENCES", 5)
    seen = []

    def encode(texts):
        seen.append(len(texts))
        return get_encoder().encode(texts)

    body = " ".join(f"Filler sentence {i} is about gardening." for i in range(30)) + " Unemployment fell to 3.9 percent in April."
    best = best_passage("unemployment fell to 3.9 percent", body, encode=encode)
    assert body[best.start : best.end] == "Unemployment fell to 3.9 percent in April."
    assert seen == [1 + 5]  # the claim and the five best sentences by BM25


def test_cached_sentence_vectors_are_the_encoders_and_the_cache_stays_bounded(monkeypatch):
    from claims.retrieval import store

    monkeypatch.setattr(store, "SENTENCE_CACHE_SIZE", 3)
    store._sentence_cache.clear()
    texts = ["The port handled 14 million containers.", "Rotterdam is in the Netherlands.",
             "The port handled 14 million containers.", "Antwerp is in Belgium.", "Hamburg is in Germany."]
    cached = store.encode_cached(texts)
    assert cached.shape == (5, store.DIM)
    assert np.allclose(cached, store.encode(texts), atol=1e-6)  # the same vectors, repeated text included
    assert len(store._sentence_cache) == 3 and "Hamburg is in Germany." in store._sentence_cache
    again = store.encode_cached(["Hamburg is in Germany."])
    assert np.array_equal(again[0], store._sentence_cache["Hamburg is in Germany."])
    store._sentence_cache.clear()
