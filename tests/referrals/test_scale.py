"""referrals/demo/scale.py: volume for the benchmark (small factor here), idempotent."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from cloudpeds.accounts.models import User
from cloudpeds.patients.demo import scale as patient_scale
from referrals.demo import scale
from referrals.models import OPEN_STATUSES, BedReservation, Referral, ReferralEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db):
    call_command("seed_demo", stdout=io.StringIO())
    patient_scale.seed_scale(io.StringIO(), factor=0.01)


def test_scale_referrals_are_consistent_and_idempotent(demo):
    before = Referral.objects.count()
    out = io.StringIO()
    scale.seed_scale(out, factor=0.01)
    assert "200 up-referrals" in out.getvalue()
    created = Referral.objects.exclude(patient__record_number__startswith="YP").exclude(
        patient__record_number__startswith="CM"
    )
    assert created.filter(direction="up").count() == 200
    assert created.filter(direction="down").exists()
    assert Referral.objects.count() > before + 200
    # Every open state is there, never twice for one child.
    assert set(created.open().values_list("status", flat=True)) == set(OPEN_STATUSES)
    open_patients = list(Referral.objects.open().values_list("patient_id", flat=True))
    assert len(open_patients) == len(set(open_patients))
    assert ReferralEvent.objects.filter(referral__in=created).count() >= 200
    assert BedReservation.objects.active().filter(referral__in=created).exists()
    # The administrator's queue shows them.
    admin = User.objects.get(username="admin.xinhua")
    assert Referral.objects.visible_to(admin).queue_for(admin.hospital_id).count() > 2

    again = io.StringIO()
    scale.seed_scale(again, factor=0.01)
    assert "already there" in again.getvalue()
    assert Referral.objects.count() == before + created.count()


def test_without_a_group_it_says_so():
    out = io.StringIO()
    scale.seed_scale(out, factor=0.01)
    assert "seed_demo" in out.getvalue()
