from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import PatientFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")


def shanghai(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    # allauth counts sign-ins per address in the cache (30 a minute from 127.0.0.1 by default);
    # these tests sign in through the real flow far more often than that.
    cache.clear()


@pytest.fixture
def auditor(group_admin):
    """The group administrator, reading the portal in English so that messages can be asserted."""
    group_admin.preferred_language = "en"
    group_admin.save(update_fields=["preferred_language"])
    return group_admin


@pytest.fixture
def auditor_client(auditor, login_2fa):
    return login_2fa(auditor)


@pytest.fixture
def child(yangpu):
    return PatientFactory(hospital=yangpu, name="王小明", record_number="YP-0001")


@pytest.fixture
def count_queries() -> Callable:
    """Number of queries one GET makes (after a warm-up request, so caches are equal)."""

    def _count(client, url: str) -> int:
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        return len(queries)

    return _count
