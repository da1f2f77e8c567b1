"""A worker bootstep that records a heartbeat row, read by /healthz.

It runs in the worker's main process on the worker's own timer, so it works
with every broker (the embedded one has no broadcast for ``celery inspect``).
"""
from __future__ import annotations

import logging
import socket

from celery import bootsteps

logger = logging.getLogger(__name__)


class HeartbeatStep(bootsteps.StartStopStep):
    requires = {"celery.worker.components:Timer"}

    def __init__(self, worker, **kwargs):
        super().__init__(worker, **kwargs)
        self.tref = None
        self.hostname = getattr(worker, "hostname", None) or socket.gethostname()

    def start(self, worker):
        from django.conf import settings
        from django.utils import timezone

        self.started_at = timezone.now()
        self.beat()
        self.tref = worker.timer.call_repeatedly(settings.FACTDESK_WORKER_HEARTBEAT_SECONDS, self.beat, priority=10)

    def stop(self, worker):
        if self.tref is not None:
            self.tref.cancel()
            self.tref = None
        try:
            from claims.models import WorkerHeartbeat

            WorkerHeartbeat.objects.filter(hostname=self.hostname).delete()
        except Exception:  # shutting down; the row simply ages out
            logger.debug("could not remove heartbeat", exc_info=True)

    def beat(self):
        from django.db import close_old_connections
        from django.utils import timezone

        from claims.models import WorkerHeartbeat

        try:
            close_old_connections()
            WorkerHeartbeat.objects.update_or_create(
                hostname=self.hostname, defaults={"last_seen": timezone.now(), "started_at": self.started_at}
            )
        except Exception:  # a heartbeat must never kill the worker
            logger.warning("heartbeat failed", exc_info=True)
