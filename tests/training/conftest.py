"""Fixtures shared by the training tests.

People: `doctor` and `outsider` (tests/conftest.py) are the learners; `manager` is the
training manager. `english` shows pages in English, so that assertions read the msgids.
`seeded_demo` and `seeded_courses` load demo data once per test module, for tests that only
read it (each test's own changes are rolled back after it, the module's data at its end).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import call_command

from cloudpeds.accounts import demo as accounts_demo
from cloudpeds.accounts.roles import Role
from handbook import demo as handbook_demo
from tests.conftest import seeded_once
from tests.factories import UserFactory
from training.demo import courses as courses_demo

# The people the tests sign in as, whose saved language `english` sets when a test uses them.
_PEOPLE = ("doctor", "outsider", "manager")


@pytest.fixture
def manager(xinhua):
    return UserFactory(username="trainer", hospital=xinhua, roles=[Role.TRAINING_MANAGER])


@pytest.fixture
def english(settings, request: pytest.FixtureRequest) -> None:
    """Pages in English: the default language (for visitors, such as the public verification
    page) and the saved preference of `doctor`, `outsider` and `manager` when the test uses
    them (a signed-in person sees their own language)."""
    settings.LANGUAGE_CODE = "en"
    for name in _PEOPLE:
        if name in request.fixturenames:
            user = request.getfixturevalue(name)
            user.preferred_language = "en"
            user.save(update_fields=["preferred_language"])


@pytest.fixture(scope="module")
def seeded_demo(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[Path]:
    """`manage.py seed_demo`, once per test module. Yields the storage folder it wrote to."""
    media = tmp_path_factory.mktemp("demo-media")
    with seeded_once(django_db_blocker, media, lambda: call_command("seed_demo", stdout=io.StringIO())):
        yield media


@pytest.fixture(scope="module")
def seeded_courses(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[Path]:
    """The demo accounts, the handbook the lessons cite and the training courses (without
    their exams), once per test module. Yields the storage folder it wrote to."""

    def seed() -> None:
        out = io.StringIO()
        accounts_demo.seed(out)
        handbook_demo.seed(out)
        courses_demo.seed(out)

    media = tmp_path_factory.mktemp("demo-media")
    with seeded_once(django_db_blocker, media, seed):
        yield media
