"""A scratch database for a bench run: created fresh, migrated, Django set up.

With DATABASE_URL on PostgreSQL, the database ``name`` is dropped and created
next to the one the URL names (and left for inspection); otherwise a SQLite
file in ``scratch``. Returns the DATABASE_URL the run uses.
"""
from __future__ import annotations

import os
from pathlib import Path


def scratch_database(scratch: Path, name: str) -> str:
    os.environ["FACTDESK_DATA_DIR"] = str(scratch)
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        import psycopg

        base, _, _ = url.rpartition("/")
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {name}")
        os.environ["DATABASE_URL"] = f"{base}/{name}"
    else:
        os.environ["DATABASE_URL"] = f"sqlite:///{scratch / 'bench.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return os.environ["DATABASE_URL"]
