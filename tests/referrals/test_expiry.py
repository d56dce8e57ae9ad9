"""The periodic job: an approved transfer not arrived by the end of its window loses its bed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from cloudpeds.notifications.models import Notification
from referrals.models import BedReservation, Referral, Status, departments_with_capacity
from referrals.tasks import expire_reservations

pytestmark = pytest.mark.django_db


def _end_window(referral, hours_ago: int = 1) -> None:
    past = timezone.now() - timedelta(hours=hours_ago)
    BedReservation.objects.filter(referral=referral).update(window_start=past - timedelta(hours=4), window_end=past)


def _free(department) -> int:
    return next(row.free for row in departments_with_capacity(department.hospital) if row.pk == department.pk)


def test_an_expired_reservation_releases_the_bed_and_tells_both_sides(
    approved, respiratory, doctor, transfer_admin, specialist
):
    _end_window(approved)
    assert _free(respiratory) == 9

    assert expire_reservations() == 1

    approved.refresh_from_db()
    assert approved.status == Status.EXPIRED
    assert BedReservation.objects.get(referral=approved).outcome == "expired"
    assert _free(respiratory) == 10
    for person in (doctor, transfer_admin, specialist):
        assert Notification.objects.filter(recipient=person, kind="referrals.expired").count() == 1
    assert list(approved.events.values_list("kind", flat=True))[-1] == "expired"


def test_running_again_does_nothing(approved):
    _end_window(approved)
    assert expire_reservations() == 1
    sent = Notification.objects.filter(kind="referrals.expired").count()
    assert expire_reservations() == 0
    assert Referral.expire_reservation(approved.pk) is False
    assert Notification.objects.filter(kind="referrals.expired").count() == sent == 2
    assert approved.events.filter(kind="expired").count() == 1


def test_a_window_still_open_is_left_alone(approved):
    assert expire_reservations() == 0
    assert Referral.expire_reservation(approved.pk) is False
    approved.refresh_from_db()
    assert approved.status == Status.APPROVED


def test_a_child_on_the_road_keeps_the_bed(departed):
    _end_window(departed)
    assert expire_reservations() == 0
    departed.refresh_from_db()
    assert departed.status == Status.DEPARTED


def test_arrived_and_cancelled_transfers_are_not_touched(arrived):
    _end_window(arrived)
    assert expire_reservations() == 0
    arrived.refresh_from_db()
    assert arrived.status == Status.ARRIVED


def test_the_expired_child_can_be_referred_again(approved, doctor, respiratory):
    from .conftest import make_request

    _end_window(approved)
    expire_reservations()
    again = make_request(doctor, approved.patient, respiratory)
    assert again.status == Status.REQUESTED
