from __future__ import annotations

import pytest
from django.db import OperationalError

pytestmark = pytest.mark.django_db


def test_healthy(client, settings):
    response = client.get("/healthz")

    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "ok"
    assert data["database"] == "ok"
    if settings.REDIS_URL:
        assert data["redis"] == "ok"
        assert data["broker"] == "ok"
    else:
        assert data["redis"] == "not configured"


def test_unhealthy_when_the_database_is_unreachable(client, monkeypatch):
    from django.db import connection

    def _refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    # The database server is outside the project: simulate it refusing connections.
    monkeypatch.setattr(connection, "cursor", _refuse)

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["status"] == "error"
    assert response.json()["database"] == "error: OperationalError"


def test_redis_down_is_reported_but_not_fatal(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["redis"].startswith("error")


def test_healthz_needs_no_sign_in_and_is_not_cached(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"]
