"""Evaluation suites behind ``python manage.py evaluate <suite>``.

Each suite is a plain-Python module (no Django needed to run it) with:

- ``add_arguments(parser)``: its command-line options (argparse);
- ``run(options: dict) -> dict``: computes and returns the figures (the keys
  documented in docs/evaluation.md); it never writes to the database;
- ``render(result: dict) -> str``: the human-readable report.

``--json`` makes the command print exactly ``json.dumps(run(...))``.
"""
from __future__ import annotations

import importlib

SUITES = {
    "checkworthiness": "claims.evaluation.checkworthiness",
    "decomposition": "claims.evaluation.decomposition",
    "article": "claims.evaluation.article",
    "claim-matching": "claims.evaluation.claim_matching",
    "passages": "claims.evaluation.passages",
}


def load(name: str):
    return importlib.import_module(SUITES[name])


def available() -> dict[str, object]:
    """Suites whose module exists (work on some may still be under way)."""
    found = {}
    for name, path in SUITES.items():
        try:
            found[name] = importlib.import_module(path)
        except ModuleNotFoundError as exc:
            if exc.name != path:
                raise
    return found
