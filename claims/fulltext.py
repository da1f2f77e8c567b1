"""Full-text search over SourceDocuments in the database.

SQLite (the zero-setup default) uses an FTS5 table kept in step by triggers;
PostgreSQL uses an expression GIN index over ``to_tsvector('english', ...)``.
Both are created by migration 0003 (0003_fulltext). The providers now search
the passage indexes in claims/retrieval/; this module stays for other callers. Queries are OR-of-terms so that a long
claim still matches documents that share only some of its words; the
engines' own ranking (bm25 / ts_rank_cd) orders them.
"""
from __future__ import annotations

import re

from django.db import connection

STOPWORDS = frozenset(
    """a an and are as at be been but by for from had has have he her his in into is it its of on or
    our she that the their them they this to was were will with which who not no than then there these
    those also after before during about over while since because would could should""".split()
)
_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)


def query_terms(text: str, limit: int = 32) -> list[str]:
    seen: dict[str, None] = {}
    for token in _TOKEN.findall(text.lower()):
        if len(token) > 1 and token not in STOPWORDS:
            seen.setdefault(token, None)
    return list(seen)[:limit]


def search_documents(text: str, *, kinds: list[str], limit: int = 10) -> list[tuple[int, float]]:
    """Return ``(document_id, score)`` best first; higher score is better."""
    terms = query_terms(text)
    if not terms:
        return []
    placeholders = ", ".join(["%s"] * len(kinds))
    if connection.vendor == "postgresql":
        tsquery = " | ".join(terms)
        sql = f"""
            SELECT d.id, ts_rank_cd(to_tsvector('english', d.title || ' ' || d.body), q) AS rank
            FROM claims_sourcedocument d, to_tsquery('english', %s) q
            WHERE to_tsvector('english', d.title || ' ' || d.body) @@ q AND d.kind IN ({placeholders})
            ORDER BY rank DESC, d.id LIMIT %s
        """
        params = [tsquery, *kinds, limit]
    elif connection.vendor == "sqlite":
        match = " OR ".join(f'"{t}"' for t in terms)
        # bm25() is lower-is-better in FTS5; negate it so higher is better everywhere.
        sql = f"""
            SELECT d.id, -bm25(claims_sourcedocument_fts) AS rank
            FROM claims_sourcedocument_fts f JOIN claims_sourcedocument d ON d.id = f.rowid
            WHERE claims_sourcedocument_fts MATCH %s AND d.kind IN ({placeholders})
            ORDER BY rank DESC, d.id LIMIT %s
        """
        params = [match, *kinds, limit]
    else:  # pragma: no cover - only the two supported databases
        raise NotImplementedError(f"full-text search is not implemented for {connection.vendor}")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [(row[0], float(row[1])) for row in cursor.fetchall()]
