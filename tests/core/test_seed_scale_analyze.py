"""seed_scale ends with ANALYZE, so that the benchmark runs on the plans of a real database."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cloudpeds.core.management.commands import seed_scale

pytestmark = pytest.mark.django_db


def test_seed_scale_analyzes_after_every_app_has_seeded(monkeypatch):
    seeded = []

    class FakeApp:
        @staticmethod
        def seed_scale(out, factor):
            seeded.append(factor)
            with connection.cursor() as cursor:
                cursor.execute("SELECT 'seeding'")

    monkeypatch.setattr(seed_scale, "app_modules", lambda name: [FakeApp])

    with CaptureQueriesContext(connection) as captured:
        call_command("seed_scale", factor=0.5, stdout=io.StringIO())

    statements = [query["sql"] for query in captured.captured_queries]
    assert seeded == [0.5]
    assert statements.index("ANALYZE") > statements.index("SELECT 'seeding'")
    assert statements[-1] == "ANALYZE"


def test_analyze_gives_the_planner_statistics(doctor):
    seed_scale.analyze()

    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'accounts_user'")
        (tuples,) = cursor.fetchone()
    assert tuples >= 1  # -1 (never analyzed) before
