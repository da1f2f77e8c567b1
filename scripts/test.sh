#!/usr/bin/env bash
# The whole suite, as `make test` runs it.
#
# With DATABASE_URL / REDIS_URL set (CI sets both) the suite runs on PostgreSQL
# and Redis with live Celery workers; then the worker tests run once more on
# the zero-setup default (SQLite + the embedded broker). Without them, the
# suite runs on the embedded default only.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python

$PY -m pytest "$@"

if [ -n "${DATABASE_URL:-}" ] || [ -n "${REDIS_URL:-}" ]; then
  echo "--- again on the embedded default (SQLite + embedded broker): worker and pipeline tests"
  env -u DATABASE_URL -u REDIS_URL -u CELERY_BROKER_URL $PY -m pytest -m "worker or embedded" "$@"
fi

echo "--- production settings pass check --deploy"
DEBUG=0 SECRET_KEY="$(head -c 48 /dev/urandom | base64)" ALLOWED_HOSTS=factdesk.example.org \
  $PY manage.py check --deploy --fail-level WARNING
