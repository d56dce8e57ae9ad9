from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from cloudpeds.celery import app as celery_app
from cloudpeds.notifications import kinds

from ..factories import PatientFactory


@pytest.fixture(autouse=True)
def _eager_tasks():
    """Tasks run in-process whatever REDIS_URL says, so a test never touches a real broker."""
    conf = celery_app.conf
    saved = conf.task_always_eager, conf.task_eager_propagates
    conf.task_always_eager, conf.task_eager_propagates = True, True
    yield
    conf.task_always_eager, conf.task_eager_propagates = saved


@pytest.fixture
def test_kind():
    """A kind that exists only in tests (no email templates: use it where nothing is sent)."""
    kind = kinds.register("system.test", "Test notification", icon="bi-bug")
    yield kind
    kinds.unregister("system.test")


@pytest.fixture
def patient(doctor):
    return PatientFactory(hospital=doctor.hospital, registered_by=doctor)


@pytest.fixture
def child(doctor):
    """A Yangpu child of about 17 months (540 days)."""
    return PatientFactory(
        hospital=doctor.hospital,
        registered_by=doctor,
        name="王小明",
        record_number="YP2026-0042",
        date_of_birth=timezone.localdate() - timedelta(days=540),
    )
