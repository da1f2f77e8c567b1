"""Lexical (BM25) index over passages, backed by tantivy.

Why tantivy: measured on 100k short documents, top-10, it answered in 0.39 / 0.57 ms
(p50 / p95) against 1.4 / 6.3 ms for bm25s and 33-42 ms for the databases' own
full-text search; it updates incrementally (add, delete by id, commit) and keeps its
files on disk, so a worker opens it without rebuilding (see docs/benchmarks.md).

Text is analysed in Python by :func:`claims.retrieval.text.terms` (the same stemmer
and stopwords as the passage ranker) and handed to tantivy pre-tokenised on
whitespace; queries are built as OR-of-term queries, never parsed, so no user text
can be a query-syntax error. Every term is scored: tantivy-py collects top-k
through a MultiCollector, so tantivy's block-max WAND never runs and a query's
time grows with its terms' document frequencies; dropping frequent terms to bound
it lost claim-matching quality at 1M passages (docs/benchmarks.md, "The lexical
1M / 10k ratio"). Plain Python: no Django.
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterable, Mapping

import tantivy

from .text import terms

KEY = "key"


class LexicalIndex:
    """BM25 over one or more named text fields; items are keyed by an integer id."""

    def __init__(self, path: Path | str | None = None, *, fields: tuple[str, ...] = ("text",)):
        self.fields = fields
        builder = tantivy.SchemaBuilder()
        builder.add_unsigned_field(KEY, stored=True, indexed=True, fast=True)
        for name in fields:
            builder.add_text_field(name, stored=False, tokenizer_name="whitespace", index_option="freq")
        self.schema = builder.build()
        if path is not None:
            Path(path).mkdir(parents=True, exist_ok=True)
            self.index = tantivy.Index(self.schema, path=str(path), reuse=True)
        else:
            self.index = tantivy.Index(self.schema)
        self._writer = None
        self.index.reload()
        self._searcher = self.index.searcher()

    # Writes -----------------------------------------------------------------
    def _w(self):
        if self._writer is None:
            self._writer = self.index.writer(heap_size=64_000_000, num_threads=1)
        return self._writer

    def add(self, items: Iterable[tuple[int, Mapping[str, str]]]) -> int:
        """Add ``(id, {field: raw text})`` items; call :meth:`commit` to make them visible."""
        writer = self._w()
        n = 0
        for key, values in items:
            doc = tantivy.Document()
            doc.add_unsigned(KEY, int(key))
            for name in self.fields:
                doc.add_text(name, " ".join(terms(values.get(name, ""))))
            writer.add_document(doc)
            n += 1
        return n

    def delete(self, keys: Iterable[int]) -> None:
        writer = self._w()
        for key in keys:
            # by query: delete_documents_by_term does not match a u64 field given a Python int
            writer.delete_documents_by_query(tantivy.Query.term_query(self.schema, KEY, int(key)))

    def commit(self) -> None:
        if self._writer is not None:
            self._writer.commit()
            self._writer.wait_merging_threads()
            self._writer = None
        self.reload()

    def reload(self) -> None:
        self.index.reload()
        self._searcher = self.index.searcher()

    def __len__(self) -> int:
        return self._searcher.num_docs

    # Reads ------------------------------------------------------------------
    def search(self, text: str, *, k: int = 10, field: str | None = None) -> list[tuple[int, float]]:
        """``(id, bm25)`` best first for the query's terms in ``field`` (default: the first)."""
        field = field or self.fields[0]
        query_terms = list(dict.fromkeys(terms(text)))[:64]
        if not query_terms:
            return []
        query = tantivy.Query.boolean_query(
            [(tantivy.Occur.Should, tantivy.Query.term_query(self.schema, field, t)) for t in query_terms]
        )
        hits = self._searcher.search(query, limit=k, count=False).hits
        # Ids from the key's fast field (a column read per hit), not the document store,
        # which decompresses a block per hit and cost more the larger the index
        # (docs/benchmarks.md, "bench/retrieval.py").
        keys = self._searcher.fast_field_values(KEY, [address for _, address in hits])
        return [(int(key), float(score)) for key, (score, _) in zip(keys, hits)]
