"""Real Celery worker processes for integration tests.

A worker is started as a separate process with the test database's URL and
the test broker, exactly as production starts one (``celery -A config
worker``), and can be killed with SIGKILL to test what survives.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def worker_environment(**overrides: str) -> dict[str, str]:
    """The environment of a worker that uses the test database and broker."""
    env = os.environ.copy()
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        env["DATABASE_URL"] = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    else:
        env["DATABASE_URL"] = f"sqlite:///{db['NAME']}"
    env["CELERY_BROKER_URL"] = settings.CELERY_BROKER_URL
    env["CELERY_TASK_ALWAYS_EAGER"] = "0"
    env["FACTDESK_WORKER_HEARTBEAT_SECONDS"] = "1"
    env.update(overrides)
    return env


class WorkerProcess:
    def __init__(self, name: str, *, beat: bool = False, concurrency: int = 2, **env: str):
        self.name = name
        self.beat = beat
        self.concurrency = concurrency
        self.env = env
        self.process: subprocess.Popen | None = None
        self.log = ROOT / "var" / "test" / f"worker-{name}.log"

    def start(self, wait: float = 60.0) -> "WorkerProcess":
        from claims.models import WorkerHeartbeat

        self.log.parent.mkdir(parents=True, exist_ok=True)
        args = [sys.executable, "-m", "celery", "-A", "config", "worker", "--loglevel=INFO",
                f"--concurrency={self.concurrency}", f"--hostname={self.name}@%h", "--without-gossip", "--without-mingle"]
        if self.beat:
            args += ["-B", f"--schedule={self.log.parent / ('beat-' + self.name)}"]
        handle = self.log.open("w")
        self.process = subprocess.Popen(args, cwd=ROOT, env=worker_environment(**self.env), stdout=handle,
                                        stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"worker {self.name} exited: {self.log.read_text()[-3000:]}")
            if WorkerHeartbeat.objects.filter(hostname__startswith=f"{self.name}@").exists():
                return self
            time.sleep(0.2)
        raise RuntimeError(f"worker {self.name} did not come up in {wait}s: {self.log.read_text()[-3000:]}")

    def kill(self) -> None:
        """SIGKILL the whole process group: no warm shutdown, nothing acknowledged."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


def purge_broker() -> None:
    from config.celery_app import app

    app.control.purge()


def wait_for(predicate, *, timeout: float = 60.0, interval: float = 0.25, message: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {message}")
