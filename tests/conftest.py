from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value, yield_hotp_counters_from_time
from django.conf import settings as django_settings
from django.core.cache import cache
from django.db import transaction
from django.test import override_settings
from django.utils import translation

from cloudpeds.accounts.models import Hospital
from cloudpeds.accounts.roles import Role

from .factories import PASSWORD, DepartmentFactory, HospitalFactory, UserFactory

TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@pytest.fixture(autouse=True)
def _fast_hashing(settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path) -> Path:
    """A private storage folder per test: tests never write into var/media."""
    root = tmp_path / "media"
    settings.MEDIA_ROOT = str(root)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root), "base_url": None},
        },
    }
    return root


@pytest.fixture(autouse=True)
def _eager_tasks(request):
    """Run Celery tasks in-process, as a newcomer without Redis does, even when REDIS_URL is
    set (CI): nothing consumes the broker during tests. The one test that proves a real
    worker runs through the broker is marked `real_broker`."""
    from cloudpeds.celery import app

    if request.node.get_closest_marker("real_broker"):
        yield
        return
    previous = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = previous


@pytest.fixture(autouse=True)
def _english_outside_requests():
    """Code called directly by a test (model methods, tasks) runs in English, so assertions
    on their messages read the msgids; pages choose their language per request as usual
    (Chinese by default, or the user's preferred language)."""
    from django.utils import translation

    with translation.override("en"):
        yield


_DATABASE_FIXTURES = ("db", "transactional_db", "live_server", "django_db_reset_sequences")


@pytest.fixture(autouse=True)
def _no_pending_topic_views():
    """Handbook readings are counted in memory and written in batches (handbook/view_counts.py):
    what one test counted must not be written during another."""
    from handbook import view_counts

    view_counts.discard_pending()
    yield
    view_counts.discard_pending()


@pytest.fixture(autouse=True)
def _fresh_rate_limits(request, settings) -> None:
    """allauth counts sign-in attempts per address in the cache; start each test afresh.

    Without Redis the cache is a table of the test database: a test that does not use the
    database neither reaches it nor signs anyone in. ("db" follows the test's own choice of
    a transactional database.)
    """
    if settings.CACHES["default"]["BACKEND"].endswith("DatabaseCache"):
        if not (request.node.get_closest_marker("django_db") or set(_DATABASE_FIXTURES) & set(request.fixturenames)):
            return
        request.getfixturevalue("db")
    cache.clear()


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def xinhua(db) -> Hospital:
    return HospitalFactory(code="xinhua", name_zh="新华医院", name_en="Xinhua Hospital", level=Hospital.Level.LEAD)


@pytest.fixture
def yangpu(db) -> Hospital:
    return HospitalFactory(code="yangpu", name_zh="杨浦区中心医院", name_en="Yangpu District Central Hospital")


@pytest.fixture
def baoshan(db) -> Hospital:
    return HospitalFactory(code="baoshan", name_zh="宝山区中心医院", name_en="Baoshan District Central Hospital")


@pytest.fixture
def doctor(yangpu):
    """A grassroots pediatrician at Yangpu."""
    department = DepartmentFactory(hospital=yangpu)
    return UserFactory(username="doc", hospital=yangpu, department=department, roles=[Role.GRASSROOTS_DOCTOR])


@pytest.fixture
def outsider(baoshan):
    """A grassroots doctor at another district hospital."""
    return UserFactory(username="outsider", hospital=baoshan, roles=[Role.GRASSROOTS_DOCTOR])


@pytest.fixture
def specialist(xinhua):
    department = DepartmentFactory(
        hospital=xinhua, specialty="respiratory", name_zh="小儿呼吸科", name_en="Pediatric Respiratory"
    )
    return UserFactory(username="spec", hospital=xinhua, department=department, roles=[Role.SPECIALIST])


def app_queries(captured) -> list[dict]:
    """The queries of a CaptureQueriesContext other than the cache's own.

    Without Redis (a newcomer's clone, the smoke run) the cache is a table of the database, so
    each cache read or write is a query too (a write inside a transaction also opens and
    releases a savepoint of its own); a test about the application's queries leaves them out.
    """
    queries = list(captured)
    cache_settings = django_settings.CACHES["default"]
    if not cache_settings["BACKEND"].endswith("DatabaseCache"):
        return queries
    table = f'"{cache_settings["LOCATION"]}"'
    is_cache = [table in query["sql"] for query in queries]
    # A savepoint whose statements were all the cache's is the cache's too.
    for start, query in enumerate(queries):
        if not query["sql"].startswith("SAVEPOINT "):
            continue
        name = query["sql"].removeprefix("SAVEPOINT ")
        end = start + 1
        while end < len(queries) and is_cache[end]:
            end += 1
        closes = end < len(queries) and queries[end]["sql"].endswith(f"SAVEPOINT {name}")
        if end > start + 1 and closes:
            is_cache[start] = is_cache[end] = True
    return [query for query, cached in zip(queries, is_cache, strict=True) if not cached]


def totp_code(secret: str = TOTP_SECRET) -> str:
    counters = list(yield_hotp_counters_from_time())
    return format_hotp_value(hotp_value(secret, counters[len(counters) // 2]))


def enroll_totp(user) -> Authenticator:
    return TOTP.activate(user, TOTP_SECRET).instance


@pytest.fixture
def transfer_admin(xinhua):
    user = UserFactory(username="tadmin", hospital=xinhua, roles=[Role.TRANSFER_ADMIN])
    enroll_totp(user)
    return user


@pytest.fixture
def group_admin(xinhua):
    user = UserFactory(username="gadmin", hospital=xinhua, is_staff=True, roles=[Role.GROUP_ADMIN])
    enroll_totp(user)
    return user


@pytest.fixture
def login(client):
    """Sign in through the real allauth form, so the session records a fresh authentication."""

    def _login(user, c=None):
        c = c or client
        response = c.post("/accounts/login/", {"login": user.username, "password": PASSWORD})
        assert response.status_code == 302, response.content[:500]
        return c

    return _login


def reauthenticate(c) -> None:
    """Changing two-factor settings asks for the password again (allauth's reauthentication)."""
    response = c.post("/accounts/reauthenticate/", {"password": PASSWORD})
    assert response.status_code == 302, response.content[:500]


@pytest.fixture
def login_2fa(client):
    """Sign a user with TOTP in through the real allauth flow (password, then code)."""

    def _login(user, c=None):
        c = c or client
        response = c.post("/accounts/login/", {"login": user.username, "password": PASSWORD})
        assert response.status_code == 302, response.content[:500]
        response = c.post("/accounts/2fa/authenticate/", {"code": totp_code()})
        assert response.status_code == 302, response.content[:500]
        return c

    return _login


@contextmanager
def seeded_once(django_db_blocker, media: Path, seed: Callable[[], None]) -> Iterator[None]:
    """For a module-scoped fixture: run `seed` (a demo) once, in a transaction that lasts the
    test module and is rolled back at its end, so that no other module sees the data. Each
    test's own transaction is a savepoint inside it: a test that writes leaves the same data
    to the next. The per-test settings above are not active yet, so storage (in `media`),
    password hashing, the language and eager tasks are set here for the seeding."""
    from cloudpeds.celery import app

    storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(media), "base_url": None},
    }
    eager = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = app.conf.task_eager_propagates = True
    try:
        with (
            django_db_blocker.unblock(),
            override_settings(
                MEDIA_ROOT=str(media),
                STORAGES={**django_settings.STORAGES, "default": storage},
                PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
            ),
            translation.override("en"),
            transaction.atomic(),
        ):
            seed()
            yield
            transaction.set_rollback(True)
    finally:
        app.conf.task_always_eager, app.conf.task_eager_propagates = eager
