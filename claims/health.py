"""``GET /healthz``: is the database reachable, the broker reachable, a worker alive?

It answers 200 only when all three are fine, so a load balancer or an
operator's probe can use it as is. It reveals no data, only states.
"""
from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from claims.models import WorkerHeartbeat


def _database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return {"ok": True, "vendor": connection.vendor}
    except Exception as exc:  # the probe must answer, whatever broke
        return {"ok": False, "error": type(exc).__name__}


def _broker() -> dict:
    from config.celery_app import app

    transport = app.conf.broker_url.split(":", 1)[0]
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return {"ok": True, "transport": transport}
    except Exception as exc:
        return {"ok": False, "transport": transport, "error": type(exc).__name__}


def _workers() -> dict:
    window = timedelta(seconds=settings.FACTDESK_WORKER_HEARTBEAT_SECONDS * 4)
    try:
        alive = list(
            WorkerHeartbeat.objects.filter(last_seen__gte=timezone.now() - window).values_list("hostname", flat=True)
        )
    except Exception as exc:
        return {"ok": False, "error": type(exc).__name__}
    return {"ok": bool(alive), "alive": len(alive), "hostnames": sorted(alive)}


@never_cache
@require_safe
def healthz(request):
    checks = {"database": _database(), "broker": _broker(), "workers": _workers()}
    healthy = all(check["ok"] for check in checks.values())
    return JsonResponse({"status": "ok" if healthy else "degraded", **checks}, status=200 if healthy else 503)
