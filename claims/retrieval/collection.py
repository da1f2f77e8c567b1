"""A hybrid index: one lexical and one vector index over the same keyed passages.

``search`` runs both, fuses them (:mod:`claims.retrieval.hybrid`) and returns each
hit with its signals (``text`` / ``title`` BM25 share of the best, ``cosine``), which
callers threshold. On disk (``path`` given) it is a folder: ``lexical/`` (tantivy),
``vectors.hnsw`` and ``manifest.json`` (watermark = highest key indexed, the keys,
a generation number bumped on every commit). Plain Python: no Django.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Sequence

import numpy as np

from .hybrid import Fused, fuse
from .lexical import LexicalIndex
from .vector import DIM, VectorIndex

# Tuned on CheckThat! 2020 task 2 train (docs/evaluation.md, "Claim matching").
WEIGHTS = {"text": 1.0, "title": 0.0, "cosine": 1.0}
METHOD = "rrf"
RRF_K = 5  # small k: the first few places of each ranking count most
FORMAT = 1


class HybridIndex:
    def __init__(self, path: Path | str | None = None, *, dim: int = DIM):
        self.path = Path(path) if path is not None else None
        self.dim = dim
        self.lexical = LexicalIndex(self.path / "lexical" if self.path else None, fields=("text", "title"))
        self.keys: set[int] = set()
        self.watermark = 0
        self.generation = 0
        self.meta: dict = {}
        vectors_file = self.path / "vectors.hnsw" if self.path else None
        manifest = self._read_manifest()
        if manifest and manifest.get("format") == FORMAT and vectors_file and vectors_file.exists():
            self.vectors = VectorIndex.load(vectors_file, dim=dim)
            self.keys = set(np.load(self.path / "keys.npy").tolist())
            self.watermark = manifest["watermark"]
            self.generation = manifest["generation"]
            self.meta = manifest.get("meta", {})
        else:
            self.vectors = VectorIndex(dim)

    # Files ------------------------------------------------------------------
    def _read_manifest(self) -> dict | None:
        if self.path is None:
            return None
        try:
            return json.loads((self.path / "manifest.json").read_text())
        except (FileNotFoundError, ValueError):
            return None

    def disk_generation(self) -> int:
        manifest = self._read_manifest()
        return manifest["generation"] if manifest else 0

    # Writes -----------------------------------------------------------------
    def add(self, keys: Sequence[int], texts: Sequence[str], titles: Sequence[str], vectors: np.ndarray) -> None:
        self.lexical.add((k, {"text": t, "title": ti}) for k, t, ti in zip(keys, texts, titles))
        self.vectors.add(keys, vectors)
        self.keys.update(int(k) for k in keys)
        if keys:
            self.watermark = max(self.watermark, max(int(k) for k in keys))

    def delete(self, keys: Sequence[int]) -> None:
        keys = [int(k) for k in keys if int(k) in self.keys]
        if keys:
            self.lexical.delete(keys)
            self.vectors.delete(keys)
            self.keys.difference_update(keys)

    def commit(self, *, watermark: int | None = None, meta: dict | None = None) -> None:
        """Make the writes visible and durable; the manifest is written last (atomically)."""
        self.lexical.commit()
        if watermark is not None:
            self.watermark = max(self.watermark, watermark)
        self.generation += 1
        if meta is not None:
            self.meta = meta
        if self.path is None:
            return
        self.vectors.save(self.path / "vectors.hnsw.tmp")
        os.replace(self.path / "vectors.hnsw.tmp", self.path / "vectors.hnsw")
        np.save(self.path / "keys.tmp.npy", np.fromiter(sorted(self.keys), dtype=np.int64))
        os.replace(self.path / "keys.tmp.npy", self.path / "keys.npy")
        tmp = self.path / "manifest.json.tmp"
        tmp.write_text(json.dumps({"format": FORMAT, "watermark": self.watermark, "generation": self.generation, "count": len(self.keys), "meta": self.meta}))
        os.replace(tmp, self.path / "manifest.json")

    def __len__(self) -> int:
        return len(self.keys)

    # Reads ------------------------------------------------------------------
    def search_lexical(self, text: str, *, k: int = 10) -> list[tuple[int, float]]:
        return self.lexical.search(text, k=k, field="text")

    def search(
        self,
        text: str,
        vector: np.ndarray | None,
        *,
        k: int = 10,
        depth: int = 50,
        weights: dict[str, float] | None = None,
        method: str = METHOD,
        rrf_k: int = RRF_K,
    ) -> list[Fused]:
        """Hybrid search: ``depth`` from each ranking, fused, ``k`` best returned."""
        weights = weights or WEIGHTS
        rankings = self.rankings(text, vector, depth=depth, title=bool(weights.get("title")))
        return fuse(rankings, weights, method=method, normalise=("text", "title"), k=rrf_k)[:k]

    def rankings(self, text: str, vector: np.ndarray | None, *, depth: int = 50, title: bool = True) -> dict:
        """Each signal's own ranking (``text`` / ``title`` BM25, ``cosine``), ``depth`` deep, before fusion."""
        rankings = {
            "text": self.lexical.search(text, k=depth, field="text"),
            "title": self.lexical.search(text, k=depth, field="title") if title else [],
        }
        if vector is not None:
            rankings["cosine"] = self.vectors.search(vector, k=depth)
        return rankings
