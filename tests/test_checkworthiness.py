"""Check-worthiness model: training, scoring, explanations and its evaluation suite."""
from __future__ import annotations

import json
import re
from io import StringIO

import numpy as np
import pytest
from django.core.management import call_command

from claims.evaluation import checkworthiness as suite
from claims.extraction import checkworthiness as cw

YES = [
    "Unemployment rose to {n} percent in {y}, the highest level in a decade.",
    "The state spent ${n} million on roads in {y}.",
    "In {y} the deficit was {n} billion dollars.",
    "Crime fell by {n} percent between {y} and 2010.",
    "Taxes went up {n} times since {y}.",
]
NO = [
    "I think we need to do better for our {w}.",
    "Thank you very much, it is great to be here with {w}.",
    "We will fight for {w} every single day.",
    "Let me answer that question about {w}.",
    "I believe in {w} and I always will.",
]
WORDS = ["families", "children", "workers", "farmers", "teachers", "veterans"]


def _write_tsv(path, rows, header=True):
    with open(path, "w", encoding="utf-8") as fh:
        if header:
            fh.write("Sentence_id\tText\tclass_label\n")
        for pk, text, label in rows:
            fh.write(f"{pk}\t{text}\t{label}\n")


def _toy_rows():
    rows, pk = [], 1
    for i, w in enumerate(WORDS):
        for t in YES:
            rows.append((pk, t.format(n=3 + i * 7, y=1990 + i * 3), "Yes"))
            pk += 1
        for t in NO:
            rows.append((pk, t.format(w=w), "No"))
            pk += 1
    return rows


def test_it_trains_a_model_that_loads_and_separates_obvious_cases(tmp_path):
    data = tmp_path / "train.tsv"
    _write_tsv(data, _toy_rows())
    out = tmp_path / "model"
    stdout = StringIO()
    call_command("train_checkworthiness", "--data", str(data), "--recent", "0.25", "--out", str(out), "--hidden", "16", stdout=stdout)
    assert "recent: F1" in stdout.getvalue()
    meta = json.loads((out / "checkworthiness.json").read_text())
    assert meta["training"]["rows"] == 60 and meta["training"]["yes"] == 30
    assert 0.0 < meta["threshold"] < 1.0
    model = cw.Model.load(out)
    unseen_yes = ["Spending rose to 42 percent in 1987, the highest in a decade.", "In 2004 the deficit was 12 billion dollars."]
    unseen_no = ["I think we need to do better for our nurses.", "Let me answer that question about nurses."]
    p = model.score(unseen_yes + unseen_no)
    assert min(p[:2]) > max(p[2:])
    assert (p[:2] > 0.5).all() and (p[2:] < 0.5).all()


def test_training_is_deterministic(tmp_path):
    data = tmp_path / "train.tsv"
    _write_tsv(data, _toy_rows())
    for name in ("a", "b"):
        call_command("train_checkworthiness", "--data", str(data), "--recent", "0.25", "--out", str(tmp_path / name), "--hidden", "8", stdout=StringIO())
    a, b = np.load(tmp_path / "a" / "checkworthiness.npz"), np.load(tmp_path / "b" / "checkworthiness.npz")
    assert sorted(a.files) == sorted(b.files)
    for k in a.files:
        assert np.array_equal(a[k], b[k]), k


@pytest.mark.parametrize(
    "text",
    ["Unemployment rose to 3.2% in March, the Bureau said.", "  a  bb\tccc  dddd-eeeee I x  ", "Ça coûte 5 € — déjà vu!", "", "é"],
)
def test_numpy_analyzers_match_scikit_learn(text):
    from sklearn.feature_extraction.text import TfidfVectorizer

    word = TfidfVectorizer(ngram_range=(1, 2)).build_analyzer()
    char = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5)).build_analyzer()
    assert cw.word_ngrams(text, 2) == word(text)
    assert cw.char_wb_ngrams(text, 2, 5) == char(text)


def test_shipped_model_scores_in_range_in_order_and_by_batch():
    texts = [
        "The unemployment rate fell to 4.1 percent last year.",
        "Thank you all for coming tonight.",
        "",
        "We have cut taxes for 95 percent of working families.",
    ]
    batch = cw.score(texts)
    assert len(batch) == 4 and all(0.0 <= v <= 1.0 for v in batch)
    one_by_one = [cw.score([t])[0] for t in texts]
    assert np.allclose(batch, one_by_one, atol=1e-5)
    assert cw.score([]) == []
    assert batch[0] > batch[1] and batch[3] > batch[1]
    with pytest.raises(TypeError):
        cw.score("a single string")
    cw.score(texts)
    assert cw._loads == 1


def test_cascade_keeps_each_decision_of_the_full_model():
    texts = [
        "Thank you.",
        "The unemployment rate fell to 4.1 percent last year.",
        "He said the plan would cost 2 trillion dollars over ten years.",
        "I have a plan.",
        "We have the best economy in the world.",
    ]
    model = cw.get_model()
    cascaded = model.score(texts)
    full = model.score(texts, cascade=False)
    assert [v >= model.threshold for v in cascaded] == [v >= model.threshold for v in full]
    from claims.nlp.embeddings import encode

    # With embeddings supplied nothing is skipped: the full average.
    assert np.allclose(model.score(texts, encode(texts)), full, atol=1e-5)


def test_shipped_threshold_comes_from_the_metadata():
    meta = cw.read_metadata()
    assert meta is not None, "the trained model must ship in claims/extraction/model/"
    assert cw.THRESHOLD == pytest.approx(meta["threshold"])


def test_shipped_model_matches_its_card_and_is_small():
    meta = cw.read_metadata()
    card = (cw.MODEL_DIR / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert f"{meta['threshold']:.3f}" in card
    assert f"{meta['training']['rows']:,}" in card
    for name in meta["training"]["files"] + meta["training"]["tuning_files"]:
        assert name in card
    for part, figs in meta["training"]["tuning_figures"].items():
        assert f"{figs['f1']:.3f}" in card, part
    assert re.search(r"licen[cs]e", card, re.I)
    assert "train_checkworthiness" in card
    for f in cw.MODEL_DIR.iterdir():
        assert f.stat().st_size < 5_000_000, f


def test_explain_names_the_cues():
    assert "figure (3.2%)" in cw.explain("Inflation was 3.2% in March 2023.", 0.9)
    assert "date (March 2023)" in cw.explain("Inflation was 3.2% in March 2023.", 0.9)
    assert "names" not in cw.explain("Inflation was 3.2% in March 2023.", 0.9)  # a month is not a name
    reason = cw.explain("The reform is seen as a failure.", 0.1)
    assert reason.startswith("not check-worthy") and "'is seen as'" in reason


def test_evaluate_json_figures_on_a_handmade_file(tmp_path):
    # Heuristic scorer, so the predictions are known: figure + date + attribution sentences
    # score 0.85 (predicted Yes), "I think" opinions score 0.0 (predicted No).
    rows = [
        (1, "Unemployment rose to 3.2% in March 2023, the Bureau said.", "Yes"),  # TP
        (2, "Exports fell 12% in June 2021, the ministry said.", "Yes"),  # TP
        (3, "Prices rose 5% in May 2022, the agency said.", "No"),  # FP
        (4, "I think he is a fine man.", "Yes"),  # FN
        (5, "I think we can do better.", "No"),  # TN
    ]
    data = tmp_path / "tiny.tsv"
    _write_tsv(data, rows)
    out = StringIO()
    call_command("evaluate", "checkworthiness", "--json", "--scorer", "heuristic", "--data", str(data), stdout=out)
    result = json.loads(out.getvalue())
    assert set(result) == {"f1", "precision", "recall", "threshold", "n"}
    assert result["n"] == 5 and result["threshold"] == 0.5
    assert result["precision"] == pytest.approx(2 / 3) and result["recall"] == pytest.approx(2 / 3)
    assert result["f1"] == pytest.approx(2 / 3)


def test_evaluate_uses_the_shipped_model_and_threshold(tmp_path):
    rows = [(1, "The deficit was 1.4 trillion dollars in 2009.", "Yes"), (2, "Thank you very much.", "No"), (3, "We will win.", "Yes")]
    data = tmp_path / "tiny.tsv"
    _write_tsv(data, rows)
    out = StringIO()
    call_command("evaluate", "checkworthiness", "--json", "--data", str(data), stdout=out)
    result = json.loads(out.getvalue())
    assert result["threshold"] == cw.THRESHOLD and result["n"] == 3
    expected = suite.figures([True, False, True], cw.score([r[1] for r in rows]), cw.THRESHOLD)
    assert result == pytest.approx(expected)


def test_bad_training_rows_name_the_file_and_line(tmp_path):
    bad = tmp_path / "bad.tsv"
    bad.write_text("Sentence_id\tText\tclass_label\n1\tfine\tYes\n2\tbroken\tMaybe\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad.tsv:3: label must be Yes or No"):
        cw.read_labelled(bad)
    # export_decisions files have no header and are read the same way
    ok = tmp_path / "decisions.tsv"
    ok.write_text("7\tThe claim\tYes\n8\tAn opinion\tNo\n", encoding="utf-8")
    assert cw.read_labelled(ok) == [(7, "The claim", True), (8, "An opinion", False)]
