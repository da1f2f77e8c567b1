"""claims.nlp.embeddings against vectors made by sentence-transformers itself (torch).

The fixture was produced once in a scratch venv with torch + sentence-transformers (see
its "note"); these tests need neither and touch no database.
"""
from __future__ import annotations

import json
import threading
from pathlib import Path

import numpy as np
import pytest

from claims.nlp import embeddings
from claims.nlp.embeddings import Encoder, encode, get_encoder

FIXTURE = Path(__file__).parent / "fixtures" / "minilm_reference.json"


@pytest.fixture(scope="module")
def reference() -> dict:
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


def _cosines(got: np.ndarray, want: np.ndarray) -> np.ndarray:
    want = want / np.linalg.norm(want, axis=1, keepdims=True)
    return (got * want).sum(axis=1) / np.linalg.norm(got, axis=1)


def test_fixture_covers_the_hard_cases(reference):
    sentences = reference["sentences"]
    assert any(len(s.split()) > 300 for s in sentences), "needs a text longer than max_seq_length"
    assert any(len(s.strip()) <= 3 for s in sentences), "needs an empty / very short text"
    assert any(any(ord(c) > 0x2000 for c in s) for s in sentences), "needs emoji / non-Latin script"


@pytest.mark.parametrize("batch_size", [64, 3])
def test_matches_sentence_transformers(reference, batch_size):
    got = encode(reference["sentences"], batch_size=batch_size)
    cos = _cosines(got, np.asarray(reference["vectors"], dtype=np.float32))
    worst = int(np.argmin(cos))
    assert cos.min() >= 0.999, f"cosine {cos[worst]:.6f} for {reference['sentences'][worst][:60]!r}"


def test_numpy_backend_matches_too(reference):
    # The benchmark baseline must compute the same function, not just something fast.
    got = Encoder(backend="numpy").encode(reference["sentences"])
    assert _cosines(got, np.asarray(reference["vectors"], dtype=np.float32)).min() >= 0.999


def test_rows_are_float32_and_unit_length(reference):
    got = encode(reference["sentences"] + ["word " * 5000])  # far past the 256-piece limit
    assert got.dtype == np.float32
    assert got.shape == (len(reference["sentences"]) + 1, 384)
    np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)


def test_empty_input_shape():
    got = encode([])
    assert got.shape == (0, get_encoder().dim) == (0, 384)
    assert got.dtype == np.float32


def test_order_is_preserved_despite_length_sorting():
    texts = ["A much longer sentence about the parliament passing the annual budget.", "Short one.", ""]
    together = encode(texts, batch_size=2)
    alone = np.vstack([encode([t]) for t in texts])
    np.testing.assert_allclose(together, alone, atol=1e-5)


def test_paraphrase_scores_higher_than_unrelated():
    a, b, c = encode(
        [
            "The government raised taxes on fuel this year.",
            "This year the state increased fuel taxes.",
            "The football team won the championship final on penalties.",
        ]
    )
    assert float(a @ b) > float(a @ c) + 0.2


def test_a_single_string_is_rejected():
    with pytest.raises(TypeError):
        encode("not a list")  # type: ignore[arg-type]


def test_singleton_is_loaded_once_across_threads():
    results: list[Encoder] = []
    barrier = threading.Barrier(8)

    def worker() -> None:
        barrier.wait()
        results.append(get_encoder())

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(e) for e in results}) == 1
    assert results[0] is get_encoder()
    assert embeddings._loads == 1
