"""A real Celery worker, through the real broker, when one is configured (CI always has Redis)."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.real_broker
@pytest.mark.skipif(not settings.REDIS_URL, reason="REDIS_URL is not set: tasks run eagerly, no worker to test")
def test_a_task_runs_through_a_real_worker():
    from cloudpeds.core.tasks import ping

    queue = f"test-{uuid.uuid4().hex[:8]}"
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "cloudpeds", "worker", "--pool=solo", "-Q", queue, "--loglevel=WARNING"],
        cwd=ROOT,
        env=os.environ.copy(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        result = ping.apply_async(queue=queue)
        assert result.get(timeout=60) == "pong"
        assert result.successful()
    finally:
        worker.terminate()
        output, _ = worker.communicate(timeout=30)
    assert worker.returncode is not None, output


def test_celery_is_configured_for_reliability():
    from cloudpeds.celery import app

    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_max_tasks_per_child > 0
    assert app.conf.task_time_limit > app.conf.task_soft_time_limit > 0
    assert settings.CELERY_TASK_ALWAYS_EAGER is (not settings.REDIS_URL)
