#!/usr/bin/env bash
# `make run`'s last step: the web server and a Celery worker (with beat, for the
# periodic sweeper), stopped together by Ctrl-C.
#
# Background jobs of a script ignore SIGINT, so Ctrl-C reaches only this shell;
# its trap then stops both children with SIGTERM (a warm shutdown for Celery)
# and waits for them. If either child dies, the other is stopped too.
set -uo pipefail
cd "$(dirname "$0")/.."
export DEBUG="${DEBUG:-1}"
HOST="${HOST:-127.0.0.1}"
PORT="${PORT:-8000}"
DATA_DIR="${FACTDESK_DATA_DIR:-var}"
mkdir -p "$DATA_DIR"

pids=()
stop() {
  trap - INT TERM
  echo "Stopping Factdesk (web server and worker)..."
  kill -TERM "${pids[@]}" 2>/dev/null
  wait "${pids[@]}" 2>/dev/null
  exit 0
}
trap stop INT TERM

echo "Factdesk on http://$HOST:$PORT/admin/  (API docs: /api/docs/, health: /healthz). Ctrl-C stops it."
.venv/bin/celery -A config worker -B --loglevel=INFO --concurrency=2 --schedule="$DATA_DIR/celerybeat-schedule" &
pids+=($!)
.venv/bin/python manage.py runserver "$HOST:$PORT" --noreload &
pids+=($!)
wait -n
echo "A Factdesk process exited; stopping the other."
stop
