"""``manage.py train_checkworthiness``: train the check-worthiness model.

Reads labelled sentences in the CheckThat! layout (``id<TAB>text<TAB>Yes/No``
with a header row, as in CLEF CheckThat! 2024 Task 1) or as written by
``manage.py export_decisions`` (no header), fits the two components that
``claims.extraction.checkworthiness`` averages (TF-IDF logistic regression and
an MLP on MiniLM embeddings), picks the decision threshold, and writes
``checkworthiness.npz`` + ``checkworthiness.json`` to ``--out``.

Threshold: the probability cut with the best positive-class F1 on the ``--dev``
sentences together with the most recent ``--recent`` fraction of the training
sentences (highest ids), scored by a model fitted without those recent rows.
Dev sentences come from the same debates as the training ones, so a threshold
tuned on them alone is too high for new debates; the recent rows stand in for
"later text than we trained on". The shipped model is then refitted on all
training rows. Deterministic: fixed seeds, sorted inputs.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
from django.core.management.base import BaseCommand, CommandError

from claims.extraction import checkworthiness as cw

WORD_NGRAM_MAX = 2
CHAR_NGRAMS = (2, 5)


def best_threshold(y: np.ndarray, p: np.ndarray) -> tuple[float, float]:
    """(threshold, F1) maximising positive-class F1 over the distinct scores."""
    order = np.argsort(-p, kind="stable")
    ps, ys = p[order], y[order].astype(np.int64)
    tp = np.cumsum(ys)
    n_pred = np.arange(1, len(ps) + 1)
    f1 = 2 * tp / (n_pred + ys.sum())
    # Only cut between distinct scores: everything >= the score is predicted positive.
    last_of_value = np.r_[ps[1:] != ps[:-1], True]
    f1 = np.where(last_of_value, f1, -1.0)
    i = int(np.argmax(f1))
    return float(ps[i]), float(f1[i])


def f1_at(y: np.ndarray, p: np.ndarray, threshold: float) -> dict:
    pred = p >= threshold
    tp = int((pred & y).sum())
    precision = tp / pred.sum() if pred.sum() else 0.0
    recall = tp / y.sum() if y.sum() else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"f1": f1, "precision": precision, "recall": recall}


def fit(texts: list[str], y: np.ndarray, emb: np.ndarray, *, c: float, hidden: int, seed: int) -> tuple[dict, dict]:
    """Fit both components; returns (arrays for the .npz, metadata parts)."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.neural_network import MLPClassifier
    from scipy import sparse

    word = TfidfVectorizer(ngram_range=(1, WORD_NGRAM_MAX), min_df=2, sublinear_tf=True, dtype=np.float64)
    char = TfidfVectorizer(analyzer="char_wb", ngram_range=CHAR_NGRAMS, min_df=3, sublinear_tf=True, dtype=np.float64)
    x = sparse.hstack([word.fit_transform(texts), char.fit_transform(texts)]).tocsr()
    lr = LogisticRegression(C=c, max_iter=5000, random_state=seed).fit(x, y)
    n_word = len(word.vocabulary_)
    coef = lr.coef_.ravel()

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp = MLPClassifier(hidden_layer_sizes=(hidden,), alpha=1e-2, early_stopping=True, random_state=seed, max_iter=200)
        mlp.fit(emb, y)

    def pack(vec) -> tuple[np.ndarray, list[int]]:
        terms = sorted(vec.vocabulary_, key=vec.vocabulary_.get)
        for t in terms:
            if "\n" in t:
                raise ValueError(f"vocabulary term with a newline: {t!r}")
        return np.frombuffer("\n".join(terms).encode("utf-8"), dtype=np.uint8), [vec.vocabulary_[t] for t in terms]

    word_vocab, word_idx = pack(word)
    char_vocab, char_idx = pack(char)
    arrays = {
        "word_vocab": word_vocab,
        "word_idf": word.idf_[word_idx].astype(np.float32),
        "word_coef": coef[:n_word][word_idx].astype(np.float32),
        "char_vocab": char_vocab,
        "char_idf": char.idf_[char_idx].astype(np.float32),
        "char_coef": coef[n_word:][char_idx].astype(np.float32),
        "tfidf_bias": np.array([lr.intercept_[0]], dtype=np.float64),
        "mlp_w1": mlp.coefs_[0].astype(np.float32),
        "mlp_b1": mlp.intercepts_[0].astype(np.float32),
        "mlp_w2": mlp.coefs_[1].astype(np.float32),
        "mlp_b2": mlp.intercepts_[1].astype(np.float32),
    }
    parts = {
        "tfidf": {
            "word_ngram_max": WORD_NGRAM_MAX,
            "char_ngram_min": CHAR_NGRAMS[0],
            "char_ngram_max": CHAR_NGRAMS[1],
            "word_features": n_word,
            "char_features": len(char.vocabulary_),
            "C": c,
        },
        "mlp": {"hidden": hidden, "alpha": 1e-2, "encoder": "all-MiniLM-L6-v2 (claims.nlp.embeddings)"},
        "weights": {"tfidf": 0.5, "mlp": 0.5},
    }
    return arrays, parts


def write_model(out: Path, arrays: dict, meta: dict) -> None:
    out.mkdir(parents=True, exist_ok=True)
    # Write beside, then rename: a reader never sees half a model.
    tmp_npz, tmp_json = out / f".{cw.MODEL_NAME}.npz.tmp", out / f".{cw.MODEL_NAME}.json.tmp"
    with open(tmp_npz, "wb") as fh:
        np.savez_compressed(fh, **arrays)
    tmp_json.write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    tmp_npz.replace(out / f"{cw.MODEL_NAME}.npz")
    tmp_json.replace(out / f"{cw.MODEL_NAME}.json")


class Command(BaseCommand):
    help = "Train the check-worthiness model from labelled TSV files (CheckThat! or export_decisions layout)."

    def add_arguments(self, parser):
        parser.add_argument("--data", action="append", required=True, help="training TSV (repeatable)")
        parser.add_argument("--dev", action="append", default=[], help="TSV for threshold tuning (repeatable)")
        parser.add_argument("--out", default=str(cw.MODEL_DIR), help="model directory (default: the shipped one)")
        parser.add_argument("--recent", type=float, default=0.07, help="fraction of highest-id training rows also used for the threshold (0: dev only)")
        parser.add_argument("--C", type=float, default=1.0, help="inverse regularisation of the TF-IDF logistic regression")
        parser.add_argument("--hidden", type=int, default=512, help="MLP hidden units")
        parser.add_argument("--seed", type=int, default=0)

    def handle(self, *args, **o):
        from claims.nlp.embeddings import get_encoder

        started = time.monotonic()
        try:
            train = [r for path in o["data"] for r in cw.read_labelled(path)]
            dev = [r for path in o["dev"] for r in cw.read_labelled(path)]
        except (OSError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        if not train:
            raise CommandError("no training rows")
        if not dev and not o["recent"]:
            raise CommandError("give --dev or a --recent fraction: the threshold must be tuned on held-out rows")
        train.sort(key=lambda r: r[0])  # stable order: the same files give the same model
        y = np.array([r[2] for r in train])
        if y.all() or not y.any():
            raise CommandError("training data needs both Yes and No rows")
        texts = [r[1] for r in train]
        encoder = get_encoder()
        emb = encoder.encode(texts)
        self.stdout.write(f"{len(train)} training rows ({int(y.sum())} Yes), embedded in {time.monotonic() - started:.0f} s")

        n_recent = int(round(len(train) * o["recent"]))
        held_texts = [r[1] for r in dev]
        held_y = np.array([r[2] for r in dev], dtype=bool)
        held_emb = encoder.encode(held_texts) if dev else np.zeros((0, emb.shape[1]), dtype=np.float32)
        if n_recent:
            held_texts += texts[-n_recent:]
            held_y = np.r_[held_y, y[-n_recent:]]
            held_emb = np.vstack([held_emb, emb[-n_recent:]])
        keep = len(train) - n_recent
        if y[:keep].all() or not y[:keep].any() or not held_y.any():
            raise CommandError("too few Yes/No rows to hold some out for the threshold")
        kw = {"c": o["C"], "hidden": o["hidden"], "seed": o["seed"]}
        arrays, parts = fit(texts[:keep], y[:keep], emb[:keep], **kw)
        probe = cw.Model({"threshold": 0.5, **parts}, arrays)
        p = probe.score(held_texts, held_emb)
        threshold, _ = best_threshold(held_y, p)
        figures = {}
        if dev:
            figures["dev"] = f1_at(held_y[: len(dev)], p[: len(dev)], threshold)
        if n_recent:
            figures["recent"] = f1_at(held_y[len(dev) :], p[len(dev) :], threshold)
        for name, f in figures.items():
            self.stdout.write(f"{name}: F1 {f['f1']:.3f}  P {f['precision']:.3f}  R {f['recall']:.3f}  at threshold {threshold:.3f}")

        arrays, parts = fit(texts, y, emb, **kw)
        meta = {
            "format": 1,
            "threshold": round(threshold, 6),
            **parts,
            "training": {
                "files": [Path(p).name for p in o["data"]],
                "rows": len(train),
                "yes": int(y.sum()),
                "tuning_files": [Path(p).name for p in o["dev"]],
                "recent_fraction": o["recent"],
                "tuning_rows": int(len(held_y)),
                "tuning_figures": {k: {m: round(v, 4) for m, v in f.items()} for k, f in figures.items()},
                "seed": o["seed"],
            },
        }
        out = Path(o["out"])
        write_model(out, arrays, meta)
        size = (out / f"{cw.MODEL_NAME}.npz").stat().st_size
        self.stdout.write(f"wrote {out / cw.MODEL_NAME}.npz ({size / 1e6:.1f} MB) and .json, threshold {threshold:.3f}, in {time.monotonic() - started:.0f} s")
