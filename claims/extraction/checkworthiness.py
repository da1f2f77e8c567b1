"""Check-worthiness of candidate claims: a score in [0, 1] per sentence.

Interface (other parts of the extractor rely on it):

- ``score(texts) -> list[float]``: one score per text, batch call;
- ``THRESHOLD``: the shipped decision threshold (``score >= THRESHOLD`` means
  check-worthy), read from the model metadata;
- ``explain(text, value) -> str``: a short reason an editor can read.

Plain Python, no Django. The model is loaded lazily, once per process, under a
lock, so ``score`` is safe to call from several threads.

The model (``model/checkworthiness.npz`` + ``model/checkworthiness.json``,
trained by ``manage.py train_checkworthiness``; see ``model/MODEL_CARD.md``)
averages two probabilities: a logistic regression on TF-IDF word 1-2-grams and
character 2-5-grams (computed here in numpy, identical to scikit-learn's
``TfidfVectorizer`` with ``sublinear_tf``), and a one-hidden-layer perceptron on
all-MiniLM-L6-v2 sentence embeddings (``claims.nlp.embeddings``). Inference
needs numpy and the encoder only; scikit-learn is used for training.

If the model files are missing, a transparent lexical heuristic scores
instead (threshold 0.5), so the extractor still runs.
"""
from __future__ import annotations

import csv
import json
import re
import threading
from collections import Counter
from pathlib import Path

import numpy as np

__all__ = ["score", "explain", "THRESHOLD", "cues", "read_labelled"]

MODEL_DIR = Path(__file__).resolve().parent / "model"
MODEL_NAME = "checkworthiness"
HEURISTIC_THRESHOLD = 0.5
# Below this TF-IDF probability a sentence is not embedded (see Model.score). Chosen on
# ct24_dev: at 0.05 no decision changed there and 57% of sentences skipped the encoder.
CASCADE_LOW = 0.05


def read_metadata(model_dir: Path | str | None = None) -> dict | None:
    path = Path(model_dir or MODEL_DIR) / f"{MODEL_NAME}.json"
    if not path.exists():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


_metadata = read_metadata()
THRESHOLD: float = float(_metadata["threshold"]) if _metadata else HEURISTIC_THRESHOLD

_NUMBER = re.compile(r"\$?\d[\d,.]*\s*(?:%|percent\b|per cent\b|million\b|billion\b|trillion\b)?", re.I)
_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december"
)
_DATE = re.compile(
    rf"\b(?:(?:{_MONTHS})(?:\s+\d{{1,2}})?(?:,?\s+\d{{4}})?|(?:19|20)\d\d|last (?:year|month|week)|"
    r"yesterday|since \w+|(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday))\b",
    re.I,
)
_ATTRIBUTION = re.compile(r"\b(?:said|says|told|announced|reported|according to|stated)\b", re.I)
_PROPER = re.compile(
    rf"(?<!^)(?<![.!?\"]\s)\b(?!(?i:{_MONTHS})\b)(?!I\b)[A-Z][a-z]+(?:\s+[A-Z][a-z]+)*"
)
_HEDGES = {
    "opinion wording": re.compile(
        r"\b(?:I think|I believe|I feel|in my view|in my opinion|should|ought to|must|hopefully|"
        r"great|terrible|wonderful|disaster)\b",
        re.I,
    ),
    "prediction": re.compile(r"\b(?:will|is expected to|are expected to|is likely to|going to|could|might)\b", re.I),
    "speculation": re.compile(r"\b(?:is seen as|appears to|seems to|perhaps|possibly|probably)\b", re.I),
    "question": re.compile(r"\?\s*[\"']?$"),
}

_lock = threading.Lock()
_model: "Model | None" = None
_loads = 0  # how many times this process loaded the model (tests check it stays 1)


def read_labelled(path: str | Path) -> list[tuple[int, str, bool]]:
    """(id, text, is check-worthy) rows of a CheckThat! or export_decisions TSV.

    Raises ValueError naming the file and line on a malformed row.
    """
    rows: list[tuple[int, str, bool]] = []
    with open(path, encoding="utf-8", newline="") as fh:
        for line_no, rec in enumerate(csv.reader(fh, delimiter="\t"), start=1):
            if not rec or (len(rec) == 1 and not rec[0].strip()):
                continue
            if line_no == 1 and rec[0].strip().lower() == "sentence_id":
                continue
            if len(rec) < 3:
                raise ValueError(f"{path}:{line_no}: expected id<TAB>text<TAB>Yes/No, got {len(rec)} field(s)")
            label = rec[-1].strip().lower()
            if label not in ("yes", "no"):
                raise ValueError(f"{path}:{line_no}: label must be Yes or No, not {rec[-1]!r}")
            try:
                pk = int(rec[0])
            except ValueError:
                raise ValueError(f"{path}:{line_no}: id must be an integer, not {rec[0]!r}") from None
            rows.append((pk, "\t".join(rec[1:-1]), label == "yes"))
    return rows



def cues(text: str) -> dict[str, list[str]]:
    """Visible signals in ``text``: what an editor would point at."""
    found: dict[str, list[str]] = {}
    numbers = [m.group(0).strip() for m in _NUMBER.finditer(text)]
    dates = [m.group(0) for m in _DATE.finditer(text)]
    # A year is reported as a date, not also as a figure.
    numbers = [n for n in numbers if n not in dates]
    if numbers:
        found["figure"] = numbers
    if dates:
        found["date"] = dates
    names = _PROPER.findall(text)
    if names:
        found["name"] = names
    attribution = _ATTRIBUTION.findall(text)
    if attribution:
        found["attribution"] = attribution
    for label, pattern in _HEDGES.items():
        hits = [m.group(0) for m in pattern.finditer(text)]
        if hits:
            found[label] = hits
    return found


def _heuristic(text: str) -> float:
    c = cues(text)
    value = 0.2
    value += 0.25 if "figure" in c else 0.0
    value += 0.15 if "date" in c else 0.0
    value += 0.15 if "name" in c else 0.0
    value += 0.1 if "attribution" in c else 0.0
    for label in _HEDGES:
        if label in c:
            value -= 0.3
    return max(0.0, min(1.0, value))


_WHITE = re.compile(r"\s\s+")
_WORD = re.compile(r"(?u)\b\w\w+\b")


def word_ngrams(text: str, n_max: int) -> list[str]:
    """scikit-learn's word analyzer: lowercase, tokens of 2+ word characters, 1..n_max-grams."""
    tokens = _WORD.findall(text.lower())
    grams = list(tokens)
    for n in range(2, min(n_max, len(tokens)) + 1):
        grams.extend(" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
    return grams


def char_wb_ngrams(text: str, n_min: int, n_max: int) -> list[str]:
    """scikit-learn's ``char_wb`` analyzer: n-grams inside space-padded words."""
    grams: list[str] = []
    for w in _WHITE.sub(" ", text.lower()).split():
        w = f" {w} "
        for n in range(n_min, n_max + 1):
            if len(w) <= n:
                grams.append(w)  # a short word counts once, as in scikit-learn
                break
            grams.extend(w[i : i + n] for i in range(len(w) - n + 1))
    return grams


class _Tfidf:
    """Sublinear TF-IDF with L2 norm for one analyzer, dotted with LR weights."""

    def __init__(self, vocab: list[str], idf: np.ndarray, coef: np.ndarray) -> None:
        self.index = {term: i for i, term in enumerate(vocab)}
        self.idf = idf.astype(np.float64)
        self.coef = coef.astype(np.float64)

    def dot(self, grams: list[str]) -> float:
        counts = Counter(i for i in map(self.index.get, grams) if i is not None)
        if not counts:
            return 0.0
        idx = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
        tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
        x = (1.0 + np.log(tf)) * self.idf[idx]
        return float(x @ self.coef[idx]) / float(np.sqrt(x @ x))


class Model:
    """The shipped check-worthiness model; build it with :meth:`load`."""

    def __init__(self, meta: dict, arrays: dict[str, np.ndarray]) -> None:
        self.meta = meta
        self.threshold = float(meta["threshold"])
        self.weights = meta["weights"]  # how much of each component's probability
        tf = meta["tfidf"]
        self.word_n = int(tf["word_ngram_max"])
        self.char_n = (int(tf["char_ngram_min"]), int(tf["char_ngram_max"]))
        self.word = _Tfidf(_strings(arrays["word_vocab"]), arrays["word_idf"], arrays["word_coef"])
        self.char = _Tfidf(_strings(arrays["char_vocab"]), arrays["char_idf"], arrays["char_coef"])
        self.tfidf_bias = float(arrays["tfidf_bias"][0])
        self.mlp = [arrays[k].astype(np.float32) for k in ("mlp_w1", "mlp_b1", "mlp_w2", "mlp_b2")]

    @classmethod
    def load(cls, model_dir: Path | str | None = None) -> "Model":
        model_dir = Path(model_dir or MODEL_DIR)
        meta = read_metadata(model_dir)
        if meta is None:
            raise FileNotFoundError(f"no {MODEL_NAME}.json in {model_dir}")
        with np.load(model_dir / f"{MODEL_NAME}.npz", allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
        return cls(meta, arrays)

    def tfidf_proba(self, texts: list[str]) -> np.ndarray:
        z = [
            self.tfidf_bias
            + self.word.dot(word_ngrams(t, self.word_n))
            + self.char.dot(char_wb_ngrams(t, *self.char_n))
            for t in texts
        ]
        return _sigmoid(np.asarray(z, dtype=np.float64))

    def mlp_proba(self, embeddings: np.ndarray) -> np.ndarray:
        w1, b1, w2, b2 = self.mlp
        hidden = np.maximum(embeddings.astype(np.float32) @ w1 + b1, 0.0)
        return _sigmoid((hidden @ w2 + b2).ravel().astype(np.float64))

    def score(self, texts: list[str], embeddings: np.ndarray | None = None, cascade: bool = True) -> np.ndarray:
        """Scores of ``texts``; with ``cascade``, embed only where it can matter.

        The TF-IDF half is ~25x cheaper than embedding. Where it alone already
        decides (its weighted share reaches the threshold, so the average does
        whatever the MLP says; or its probability is below ``CASCADE_LOW``), the
        sentence is not embedded and its TF-IDF probability is its score, which
        lands on the same side of the threshold. Given ``embeddings``, every
        text gets the full average.
        """
        if not texts:
            return np.zeros(0)
        pt = self.tfidf_proba(texts)
        if embeddings is None and cascade:
            need = (pt >= CASCADE_LOW) & (self.weights["tfidf"] * pt < self.threshold)
        else:
            need = np.ones(len(texts), dtype=bool)
        p = pt.copy()
        if need.any():
            if embeddings is None:
                from claims.nlp.embeddings import get_encoder

                emb = get_encoder().encode([t for t, n in zip(texts, need) if n])
            else:
                emb = np.asarray(embeddings)[need]
            p[need] = self.weights["tfidf"] * pt[need] + self.weights["mlp"] * self.mlp_proba(emb)
        return np.clip(p, 0.0, 1.0)


def _strings(packed: np.ndarray) -> list[str]:
    # Terms are stored as one UTF-8 byte array joined by "\n" (no term contains a newline:
    # both analyzers split on whitespace), which keeps the file small and pickle-free.
    return bytes(packed).decode("utf-8").split("\n") if packed.size else []


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def get_model() -> Model | None:
    """The process-wide model, loaded on first use (None when no model ships)."""
    global _model, _loads
    if _model is not None or _metadata is None:
        return _model
    with _lock:
        if _model is None:
            _model = Model.load()
            _loads += 1
    return _model


def score(texts: list[str], embeddings: np.ndarray | None = None) -> list[float]:
    """Check-worthiness of each text, in [0, 1], in the order given.

    ``embeddings``: the texts' MiniLM vectors if the caller already has them
    (they are computed here otherwise).
    """
    if isinstance(texts, str):
        raise TypeError("score() takes a list of strings, not a single string")
    texts = [t if isinstance(t, str) else "" for t in texts]
    model = get_model()
    if model is None:
        return [_heuristic(t) for t in texts]
    return [float(v) for v in model.score(texts, embeddings)]


def explain(text: str, value: float) -> str:
    """A short human reason for ``value`` (the score of ``text``)."""
    c = cues(text)
    parts: list[str] = []
    if "figure" in c:
        parts.append(f"states a figure ({c['figure'][0]})")
    if "date" in c:
        parts.append(f"a date ({c['date'][0]})")
    if "name" in c:
        parts.append(f"names {c['name'][0]}")
    if "attribution" in c:
        parts.append(f"attributed ('{c['attribution'][0]}')")
    for label in _HEDGES:
        if label in c:
            parts.append(f"{label}: '{c[label][0]}'" if label != "question" else "a question")
    verdict = "check-worthy" if value >= THRESHOLD else "not check-worthy"
    reason = "; ".join(parts) if parts else "no factual cue"
    return f"{verdict} ({value:.2f}): {reason}"
