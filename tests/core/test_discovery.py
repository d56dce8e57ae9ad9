"""app_modules: each app's module of a name, never the platform mechanism of that name."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from cloudpeds.core.discovery import app_modules

pytestmark = pytest.mark.django_db


def test_the_shared_rollups_mechanism_is_not_an_apps_rollup():
    names = [module.__name__ for module in app_modules("rollups")]

    assert "cloudpeds.core.rollups" not in names
    assert {"consultations.rollups", "referrals.rollups"} <= set(names)
    assert all(callable(getattr(module, "first_day", None)) for module in app_modules("rollups"))


def test_rebuild_rollups_runs_every_apps_rollup():
    out = io.StringIO()

    call_command("rebuild_rollups", stdout=out)

    assert "consultations.rollups:" in out.getvalue()
    assert "cloudpeds.core.rollups" not in out.getvalue()
