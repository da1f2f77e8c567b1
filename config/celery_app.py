"""The Celery app. Settings come from Django settings under the CELERY_ namespace."""
import os

from celery import Celery

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
