"""Production mode: loud failure on missing configuration, and a clean `check --deploy`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION_ENV = {
    "DJANGO_DEBUG": "false",
    "SECRET_KEY": "k3y-for-the-deploy-check-only-0123456789-abcdefghijklmnopqrstuvwxyz",
    "ALLOWED_HOSTS": "portal.cloudpeds.example",
    # check --deploy does not connect; a URL avoids starting the embedded server.
    "DATABASE_URL": "postgres://cloudpeds@db.invalid:5432/cloudpeds",
}


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    # Nothing of the test process leaks in (the browser tests relax async safety for themselves).
    leaks = {"REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    base = {k: v for k, v in os.environ.items() if k not in PRODUCTION_ENV and k not in leaks}
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env={**base, **env}, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_passes_with_no_warnings():
    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], PRODUCTION_ENV)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = _run(["manage.py", "check"], {**PRODUCTION_ENV, "SECRET_KEY": ""})

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = _run(["manage.py", "check"], {**PRODUCTION_ENV, "ALLOWED_HOSTS": ""})

    assert result.returncode != 0
    assert "ALLOWED_HOSTS" in result.stderr
