"""outcomes/demo through `manage.py seed_demo`: twelve months in which Yangpu improves after
training and the others stay level, read back from the roll-ups; idempotent."""

from __future__ import annotations

import io
import statistics

import pytest
from django.core.management import call_command
from django.utils import timezone

from cloudpeds.accounts.models import Hospital
from consultations.models import Consultation
from outcomes.figures import hospital_months
from tests.conftest import seeded_once


@pytest.fixture(scope="module")
def seeded(django_db_blocker, tmp_path_factory):
    with seeded_once(
        django_db_blocker,
        tmp_path_factory.mktemp("demo-media"),
        lambda: call_command("seed_demo", stdout=io.StringIO()),
    ):
        yield


@pytest.fixture
def months(seeded, db):
    return {
        code: hospital_months(Hospital.objects.get(code=code), timezone.localdate().replace(day=1))
        for code in ("yangpu", "baoshan")
    }


def _mean(values):
    return statistics.mean(value for value in values if value is not None)


def test_yangpu_improves_after_training(months):
    yangpu = months["yangpu"]
    before, after = yangpu[1:6], yangpu[8:11]
    assert all(month.consultations["submitted"] >= 10 for month in yangpu[1:11])
    assert _mean(m.managed_locally for m in after) > _mean(m.managed_locally for m in before) + 0.15
    assert _mean(m.info_requested for m in after) < _mean(m.info_requested for m in before) - 0.1
    baoshan = months["baoshan"]
    assert abs(_mean(m.managed_locally for m in baoshan[8:11]) - _mean(m.managed_locally for m in baoshan[1:6])) < 0.15


def test_a_second_run_adds_nothing(seeded, db):
    before = Consultation.objects.count()
    call_command("seed_demo", stdout=io.StringIO())
    assert Consultation.objects.count() == before
