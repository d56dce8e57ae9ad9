"""Lapsed follow-up items: the grassroots doctor is alerted, then after a configurable delay
the Xinhua doctor; each alert is sent once, however often the job runs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from cloudpeds.notifications.models import Notification
from referrals.models import FollowUpItem
from referrals.tasks import alert_lapsed_follow_ups

pytestmark = pytest.mark.django_db


@pytest.fixture
def lapsed(down_referral, doctor):
    """The first item was due three days ago."""
    down_referral.acknowledge(doctor)
    item = down_referral.follow_ups.first()
    FollowUpItem.objects.filter(pk=item.pk).update(due_on=timezone.localdate() - timedelta(days=3))
    return item


def _count(user, kind: str) -> int:
    return Notification.objects.filter(recipient=user, kind=kind).count()


def test_the_grassroots_doctor_is_alerted_once(lapsed, doctor, specialist):
    assert alert_lapsed_follow_ups() == 1
    assert alert_lapsed_follow_ups() == 0
    assert _count(doctor, "referrals.follow_up_lapsed") == 1
    assert _count(specialist, "referrals.follow_up_escalated") == 0
    lapsed.refresh_from_db()
    assert lapsed.lapse_alerted_at is not None


def test_the_xinhua_doctor_is_told_after_the_delay_once(lapsed, doctor, specialist, settings):
    settings.REFERRAL_FOLLOW_UP_ESCALATION_HOURS = 48
    alert_lapsed_follow_ups()
    FollowUpItem.objects.filter(pk=lapsed.pk).update(lapse_alerted_at=timezone.now() - timedelta(hours=47))
    assert alert_lapsed_follow_ups() == 0
    FollowUpItem.objects.filter(pk=lapsed.pk).update(lapse_alerted_at=timezone.now() - timedelta(hours=49))
    assert alert_lapsed_follow_ups() == 1
    assert alert_lapsed_follow_ups() == 0
    assert FollowUpItem.alert_if_lapsed(lapsed.pk) == ""
    assert _count(specialist, "referrals.follow_up_escalated") == 1
    assert _count(doctor, "referrals.follow_up_lapsed") == 1


def test_an_item_done_in_time_or_late_stops_the_alerts(lapsed, down_referral, doctor, specialist):
    down_referral.record_follow_up(doctor, lapsed, done=True)
    assert alert_lapsed_follow_ups() == 0
    assert _count(doctor, "referrals.follow_up_lapsed") == 0


def test_items_not_yet_due_or_due_today_are_not_lapsed(down_referral, doctor):
    FollowUpItem.objects.filter(referral=down_referral).update(due_on=timezone.localdate())
    assert alert_lapsed_follow_ups() == 0


def test_an_unacknowledged_down_referral_alerts_the_doctor_who_sent_the_child(down_referral, doctor):
    item = down_referral.follow_ups.first()
    FollowUpItem.objects.filter(pk=item.pk).update(due_on=timezone.localdate() - timedelta(days=1))
    assert alert_lapsed_follow_ups() == 1
    assert _count(doctor, "referrals.follow_up_lapsed") == 1


def test_the_lapse_is_on_the_referral_history(lapsed, down_referral):
    alert_lapsed_follow_ups()
    assert "follow_up_lapsed" in list(down_referral.events.values_list("kind", flat=True))
