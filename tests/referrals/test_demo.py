"""referrals/demo/ through `manage.py seed_demo`: every state, both directions, the loop."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from django.core.management import call_command

from cloudpeds.accounts.models import User
from referrals import demo
from referrals.models import Referral, ReferralEvent, Status
from tests.conftest import seeded_once

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[str]:
    """The whole demo, seeded once for the tests of this module that read it, in a
    transaction rolled back when the module ends: no other test sees it. Each test still runs
    in a savepoint of its own, so one that writes leaves the same demo to the next.

    tests/conftest.py's autouse fixtures are per test and not active yet; what they set
    matters to seeding too (English, cheap hashing, a private media folder, eager tasks)."""
    out = io.StringIO()
    with seeded_once(
        django_db_blocker, tmp_path_factory.mktemp("media"), lambda: call_command("seed_demo", stdout=out)
    ):
        yield out.getvalue()


# First: once `seeded` is set up, every later test of this module sees the demo.
def test_without_children_it_skips_with_a_message():
    out = io.StringIO()
    demo.seed(out)
    assert "skipped" in out.getvalue()


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


def test_the_accounts_see_their_work(seeded):
    admin = User.objects.get(username="admin.xinhua")
    assert Referral.objects.visible_to(admin).queue_for(admin.hospital_id).count() == 2
    doctor = User.objects.get(username="dr.yangpu")
    assert Referral.objects.visible_to(doctor).filter(status=Status.SENT).count() == 1


def test_running_again_changes_nothing(seeded):
    before = Referral.objects.count()
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert Referral.objects.count() == before == len(demo.SCENARIOS) + 3
    assert f"0 created, {len(demo.SCENARIOS)} already there" in out.getvalue()
