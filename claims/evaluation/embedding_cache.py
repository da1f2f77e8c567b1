"""An on-disk cache of embeddings for evaluation runs (``--embedding-cache DIR``).

Embedding the 10k verified claims or WiCE's 20k sentences takes minutes on a
shared CPU; the vectors depend only on the text and the model, so a run keeps
them in ``DIR/<sha256 of the texts>.npy`` and the next run reads them back. The
product never uses this: it keeps its embeddings in the database. Plain Python.
"""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Callable

import numpy as np

Encode = Callable[[list[str]], np.ndarray]


def cached(encode: Encode, directory: str | None, *, min_texts: int = 1) -> Encode:
    """``encode`` with its answers for ``min_texts`` or more texts kept under ``directory`` (None: no cache)."""
    if not directory:
        return encode
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)

    def encode_cached(texts: list[str]) -> np.ndarray:
        if len(texts) < min_texts:
            return encode(texts)
        digest = hashlib.sha256("\x00".join(["all-MiniLM-L6-v2", *texts]).encode("utf-8")).hexdigest()
        path = folder / f"{digest}.npy"
        if path.exists():
            return np.load(path)
        vectors = encode(texts)
        np.save(folder / f"{digest}.tmp.npy", vectors)
        (folder / f"{digest}.tmp.npy").replace(path)
        return vectors

    return encode_cached
