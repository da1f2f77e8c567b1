"""Keeping the retrieval indexes in step with the database (the Django adapter).

The database is the truth: ``Passage`` rows (offsets into their document, the
embedding) are cut from ``SourceDocument`` s by :func:`passages_sync`; the index
files under ``DATA_DIR/retrieval/<collection>/`` are a cache of them that any
process can rebuild. :func:`collection_index` returns this process's index after
:func:`index_refresh`, which, at most every ``FACTDESK_INDEX_REFRESH_SECONDS``
(default 5) per process:

1. cuts and embeds passages for documents that have none for their current text
   (new documents, edited ones, verdicts just published);
2. adds passages above the index's watermark (the highest passage id indexed);
3. removes indexed passages whose rows are gone (count differs from the database).

Writers on one machine take an exclusive file lock; a process that sees a newer
generation on disk reloads the files instead of redoing the work. Searches also
drop any hit whose passage row no longer exists, so a deletion is never shown
even between refreshes. See docs/operations.md, "Retrieval indexes".
"""
from __future__ import annotations

import fcntl
import logging
import os
import threading
import time
from collections import OrderedDict
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import Count, Exists, Max, OuterRef

from claims.models import Passage, SourceDocument

from .collection import HybridIndex
from .text import windows

logger = logging.getLogger(__name__)

COLLECTIONS: dict[str, tuple[str, ...]] = {
    "reference": (SourceDocument.Kind.REFERENCE,),
    "verified": (SourceDocument.Kind.ARCHIVE, SourceDocument.Kind.FACTCHECK),
}
DIM = 384
SYNC_PER_REFRESH = 200
_lock = threading.Lock()
_indexes: dict[str, HybridIndex] = {}
_checked_at: dict[str, float] = {}


def index_dir(name: str) -> Path:
    return Path(settings.DATA_DIR) / "retrieval" / name


def encode(texts: list[str]) -> np.ndarray:
    from claims.nlp.embeddings import get_encoder

    if not texts:
        return np.zeros((0, DIM), dtype=np.float32)
    return get_encoder().encode(texts)


# Sentence vectors of candidate documents, by text, for passage choice: the same reference documents come back
# for claim after claim, and embedding their sentences again dominated a provider run (~0.8 s of a demo run's
# 0.83 s mean). Vectors depend only on the text, so a cached one is the one encode() would return.
SENTENCE_CACHE_SIZE = 20_000  # ~30 MB of float32 x 384
_sentence_cache: OrderedDict[str, np.ndarray] = OrderedDict()
_sentence_lock = threading.Lock()


def encode_cached(texts: list[str]) -> np.ndarray:
    """``encode(texts)``, reusing this process's vectors of texts seen before (least recently used dropped)."""
    with _sentence_lock:
        missing = list(dict.fromkeys(t for t in texts if t not in _sentence_cache))
    fresh = dict(zip(missing, encode(missing))) if missing else {}
    with _sentence_lock:
        rows = []
        for text in texts:
            vector = fresh.get(text)
            if vector is None:
                vector = _sentence_cache.get(text)
            if vector is None:  # evicted by another thread meanwhile
                vector = encode([text])[0]
            _sentence_cache[text] = vector
            _sentence_cache.move_to_end(text)
            rows.append(vector)
        while len(_sentence_cache) > SENTENCE_CACHE_SIZE:
            _sentence_cache.popitem(last=False)
    return np.stack(rows) if rows else np.zeros((0, DIM), dtype=np.float32)


def passage_texts(document: SourceDocument) -> list[tuple[int, int]]:
    return windows(document.body) or ([(0, len(document.body))] if document.body else [])


def passages_sync(
    *, kinds: tuple[str, ...] | None = None, document_ids=None, batch: int = 128, progress=None, max_documents: int | None = None
) -> int:
    """Cut and embed passages for documents whose current text has none; return documents done.

    Idempotent: a document is redone only when its ``content_hash`` changed. Each
    document's passages are replaced in one transaction.
    """
    current = Passage.objects.filter(document=OuterRef("pk"), position=0, document_hash=OuterRef("content_hash"))
    stale = SourceDocument.objects.filter(~Exists(current))
    if kinds:
        stale = stale.filter(kind__in=kinds)
    if document_ids is not None:
        stale = stale.filter(pk__in=list(document_ids))
    ids = list(stale.order_by("pk").values_list("pk", flat=True)[:max_documents])
    done = 0
    for i in range(0, len(ids), batch):
        docs = list(SourceDocument.objects.filter(pk__in=ids[i : i + batch]).only("id", "title", "body", "content_hash"))
        spans = {doc.pk: passage_texts(doc) for doc in docs}
        texts = [_embedding_text(doc, s, e, pos) for doc in docs for pos, (s, e) in enumerate(spans[doc.pk])]
        vectors = encode(texts)
        row = 0
        for doc in docs:
            first, row = row, row + len(spans[doc.pk])
            with transaction.atomic():
                # Two workers may cut the same new document at once: the row lock makes
                # the second one wait, and it then finds the passages current and stops.
                locked = SourceDocument.objects.select_for_update().filter(pk=doc.pk, content_hash=doc.content_hash)
                if not list(locked.values_list("pk", flat=True)) or Passage.objects.filter(document=doc, position=0, document_hash=doc.content_hash).exists():
                    continue
                Passage.objects.filter(document=doc).delete()
                Passage.objects.bulk_create(
                    Passage(document=doc, position=position, start=start, end=end, document_hash=doc.content_hash,
                            embedding=vectors[first + position].astype("<f4").tobytes())
                    for position, (start, end) in enumerate(spans[doc.pk])
                )
        done += len(docs)
        if progress:
            progress(len(docs))
    return done


def _embedding_text(doc: SourceDocument, start: int, end: int, position: int) -> str:
    # The first passage carries the title: for a fact-check the headline often says
    # the claim more plainly than the body (measured: docs/evaluation.md).
    text = doc.body[start:end]
    return f"{doc.title}. {text}" if position == 0 and doc.title else text


@contextmanager
def _file_lock(name: str):
    path = index_dir(name)
    path.mkdir(parents=True, exist_ok=True)
    with open(path / ".lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def index_refresh(name: str, *, force: bool = False, sync: bool = True) -> HybridIndex:
    """Bring this process's index for collection ``name`` up to date with the database."""
    kinds = COLLECTIONS[name]
    interval = getattr(settings, "FACTDESK_INDEX_REFRESH_SECONDS", 5)
    with _lock:
        index = _indexes.get(name)
        if not force and index is not None and time.monotonic() - _checked_at.get(name, 0) < interval:
            return index
        if sync:
            # Bounded so a provider task stays inside its time limit; bulk imports
            # cut their passages in the command (ingest_sources, import_claimreview).
            passages_sync(kinds=kinds, max_documents=SYNC_PER_REFRESH)
        rows = Passage.objects.filter(document__kind__in=kinds)
        state = rows.aggregate(top=Max("id"), count=Count("id"))
        top, count = state["top"] or 0, state["count"]
        with _file_lock(name):
            if index is None or index.disk_generation() != index.generation:
                index = HybridIndex(index_dir(name))
            if _diverged(index, rows, top):
                # The database is not the one this index was built from (restored
                # backup, another test database): start again from the rows.
                logger.warning("retrieval index %s does not match the database; rebuilding", name)
                _clear(name)
                index = HybridIndex(index_dir(name))
            if index.watermark < top or len(index) != count:
                _apply_changes(index, rows, top)
            _indexes[name] = index
        _checked_at[name] = time.monotonic()
        return index


def _signature(rows, key: int) -> str | None:
    found = rows.filter(pk=key).values_list("document_id", "document_hash", "start").first()
    return ":".join(map(str, found)) if found else None


def _diverged(index: HybridIndex, rows, top: int) -> bool:
    if index.watermark == 0:
        return False
    if top < index.watermark:
        return True
    signature = _signature(rows, index.watermark)
    return signature is not None and signature != index.meta.get("tip")


def _clear(name: str) -> None:
    import shutil

    for child in index_dir(name).iterdir():
        if child.name != ".lock":
            shutil.rmtree(child) if child.is_dir() else child.unlink()


def _apply_changes(index: HybridIndex, rows, top: int, batch: int = 5000) -> None:
    if len(index) + rows.filter(id__gt=index.watermark).count() != rows.count():
        alive = set(rows.filter(id__lte=index.watermark).values_list("id", flat=True))
        index.delete([key for key in index.keys if key <= index.watermark and key not in alive])
    fresh = rows.filter(id__gt=index.watermark).order_by("id").values_list(
        "id", "start", "end", "embedding", "document__title", "document__body", "position"
    )
    keys, texts, titles, vectors = [], [], [], []
    for key, start, end, embedding, title, body, position in fresh.iterator(chunk_size=batch):
        keys.append(key)
        # The first passage is indexed with its title, as it is embedded (claim + title
        # as one field matched fact-checks best: docs/evaluation.md).
        texts.append(f"{title}\n{body[start:end]}" if position == 0 and title else body[start:end])
        titles.append(title if position == 0 else "")
        vectors.append(np.frombuffer(bytes(embedding), dtype="<f4"))
        if len(keys) >= batch:
            index.add(keys, texts, titles, np.vstack(vectors))
            keys, texts, titles, vectors = [], [], [], []
    if keys:
        index.add(keys, texts, titles, np.vstack(vectors))
    index.commit(watermark=top, meta={"tip": _signature(rows, top)})
    logger.info("retrieval index at passage %s (%s passages)", index.watermark, len(index))


def index_rebuild(name: str) -> HybridIndex:
    """Throw the files away and build the index again from the database."""
    with _lock:
        _indexes.pop(name, None)
        with _file_lock(name):
            _clear(name)
    return index_refresh(name, force=True)


def reset_process_cache() -> None:
    """Forget the loaded indexes (tests, and after a fork)."""
    with _lock:
        _indexes.clear()
        _checked_at.clear()


def _forget_in_child() -> None:
    # A forked worker must open its own index handles (tantivy and hnswlib state is per process).
    global _lock
    _lock = threading.Lock()
    _indexes.clear()
    _checked_at.clear()


os.register_at_fork(after_in_child=_forget_in_child)
