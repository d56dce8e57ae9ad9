"""The cache without Redis is a database table, shared by every gunicorn worker (the sign-in and
certificate-lookup limits are counted in it), and every `migrate` creates that table."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
DATABASE_CACHE = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "cloudpeds_cache"}}


def _caches(**env: str) -> dict:
    base = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    base["DATABASE_URL"] = "postgres://nobody@db.invalid/none"  # settings only: nothing connects
    script = "import json; from cloudpeds import settings; print(json.dumps(settings.CACHES['default']))"
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env={**base, **env}, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_without_redis_the_cache_is_the_database_table():
    cache = _caches()

    assert cache["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"
    assert cache["LOCATION"] == "cloudpeds_cache"


def test_with_redis_the_cache_is_redis():
    cache = _caches(REDIS_URL="redis://127.0.0.1:6379/0")

    assert cache["BACKEND"] == "django.core.cache.backends.redis.RedisCache"


@pytest.mark.django_db
def test_migrate_creates_the_cache_table(settings):
    settings.CACHES = DATABASE_CACHE
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS cloudpeds_cache")

    call_command("migrate", verbosity=0)

    assert "cloudpeds_cache" in connection.introspection.table_names()


@pytest.mark.django_db
def test_two_workers_count_in_the_same_table(settings):
    """What one process writes, another reads: the count of a rate limit is shared."""
    from django.core.cache import caches

    settings.CACHES = DATABASE_CACHE
    call_command("createcachetable", verbosity=0)
    first, second = caches.create_connection("default"), caches.create_connection("default")

    first.set("allauth:rl:login", [1.0, 2.0], 60)

    assert second.get("allauth:rl:login") == [1.0, 2.0]
