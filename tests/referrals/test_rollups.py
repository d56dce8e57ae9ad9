"""The referrals' daily roll-up (referrals/rollups.py): exact rows for a full loop up and down."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from referrals import rollups
from referrals.models import Referral, ReferralDay

pytestmark = pytest.mark.django_db


def _rows():
    return {
        row.direction: (
            row.submitted,
            row.decided,
            row.arrived,
            row.came_back_down,
            row.loop_closed,
            row.follow_ups,
            row.follow_ups_done,
            row.follow_ups_lapsed,
            len(row.decision_seconds),
            len(row.transfer_seconds),
        )
        for row in ReferralDay.objects.all()
    }


def test_a_loop_closes_when_every_follow_up_is_recorded(down_referral, doctor):
    today = timezone.localdate()
    down_referral.acknowledge(doctor)
    first, second = down_referral.follow_ups.order_by("due_on")
    down_referral.record_follow_up(doctor, first, done=True)
    assert rollups.rebuild(today - timedelta(days=1), today) == 2
    # up: requested, decided, arrived, came back down, loop still open (one item pending).
    assert _rows() == {"up": (1, 1, 1, 1, 0, 0, 0, 0, 1, 1), "down": (1, 0, 0, 0, 0, 2, 1, 0, 0, 0)}
    up = ReferralDay.objects.get(direction="up")
    assert (up.sending_hospital_id, up.receiving_hospital_id) == (doctor.hospital_id, down_referral.sending_hospital_id)

    down_referral.record_follow_up(doctor, second, done=False)
    rollups.rebuild(today, today)
    assert _rows()["up"][4] == 1
    assert _rows()["down"][5:8] == (2, 1, 1)  # the missed item is lapsed


def test_lapsed_items_count_once_past_their_day(down_referral, doctor):
    today = timezone.localdate()
    first = down_referral.follow_ups.order_by("due_on").first()
    rows = rollups.rows_for(today, today, today=first.due_on + timedelta(days=1))
    (down,) = [row for row in rows if row.direction == "down"]
    assert (down.follow_ups, down.follow_ups_done, down.follow_ups_lapsed) == (2, 0, 1)
    assert Referral.objects.count() == 2
