"""The Celery app. Settings come from Django settings under the CELERY_ namespace."""
import os

from celery import Celery
from celery.signals import celeryd_init

from config.broker import register as register_embedded_broker

register_embedded_broker()

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("factdesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def _install_worker_steps() -> None:
    from claims.worker import HeartbeatStep

    app.steps["worker"].add(HeartbeatStep)


_install_worker_steps()


@celeryd_init.connect
def share_cores_between_pool_processes(sender=None, instance=None, conf=None, options=None, **kwargs) -> None:
    """Give each prefork process its share of the cores for ONNX Runtime (sentence encoder), unless configured.

    ONNX Runtime otherwise starts one thread per core in every pool process, so N processes on N cores run N x N
    threads that fight over the cores. Set before the pool forks, so every child reads it."""
    concurrency = (options or {}).get("concurrency") or (conf.worker_concurrency if conf else None) or os.cpu_count() or 1
    os.environ.setdefault("FACTDESK_EMBEDDING_THREADS", str(max(1, (os.cpu_count() or 1) // int(concurrency))))
