"""referrals/demo.py through `manage.py seed_demo`: every state, both directions, the loop."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from cloudpeds.accounts.models import User
from referrals.demo import SCENARIOS
from referrals.models import Referral, ReferralEvent, Status

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_every_state_and_both_directions(seeded):
    assert "Demo referrals: 11 created" in seeded
    statuses = set(Referral.objects.values_list("status", flat=True))
    assert statuses == set(Status.values) - {Status.NEW}
    assert set(Referral.objects.values_list("direction", flat=True)) == {"up", "down"}


def test_the_full_loop_of_one_child(seeded):
    up = Referral.objects.get(patient__record_number="YP2025000101", direction="up")
    down = up.down_referrals.get()
    assert up.status == Status.DISCHARGED and down.status == Status.ACKNOWLEDGED
    kinds = list(ReferralEvent.objects.filter(referral__in=[up, down]).order_by("at").values_list("kind", flat=True))
    assert kinds == [
        "requested",
        "approved",
        "departed",
        "arrived",
        "discharged",
        "down_referred",
        "acknowledged",
        "follow_up_done",
    ]
    # One follow-up item is past its date: the lapse job has work in the demo.
    assert down.follow_ups.lapsed().count() == 1


def test_running_again_changes_nothing(seeded):
    before = Referral.objects.count()
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert Referral.objects.count() == before == len(SCENARIOS) + 3
    assert f"0 created, {len(SCENARIOS)} already there" in out.getvalue()


def test_the_accounts_see_their_work(seeded, client):
    admin = User.objects.get(username="admin.xinhua")
    assert Referral.objects.visible_to(admin).queue_for(admin.hospital_id).count() == 2
    doctor = User.objects.get(username="dr.yangpu")
    assert Referral.objects.visible_to(doctor).filter(status=Status.SENT).count() == 1


def test_without_children_it_skips_with_a_message(settings):
    from referrals import demo

    out = io.StringIO()
    demo.seed(out)
    assert "skipped" in out.getvalue()
