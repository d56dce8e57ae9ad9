"""referrals:metrics and referrals:metrics_csv — aggregates for administrators."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from referrals import metrics
from referrals.models import Referral
from tests.factories import PatientFactory

from .conftest import in_english, make_request, window

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(doctor, respiratory, transfer_admin, down_referral):
    """One full loop (down_referral), one rejection, one expiry, one decision 3 hours late."""
    rejected = make_request(doctor, PatientFactory(hospital=doctor.hospital, registered_by=doctor), respiratory)
    rejected.reject(transfer_admin, "no_capacity")
    Referral.objects.filter(pk=rejected.pk).update(decided_at=rejected.submitted_at + timedelta(hours=3))
    expired = make_request(doctor, PatientFactory(hospital=doctor.hospital, registered_by=doctor), respiratory)
    expired.approve(transfer_admin, **window())
    Referral.expire_reservation(expired.pk, now=timezone.now() + timedelta(days=1))
    down_referral.acknowledge(doctor)
    first, _second = down_referral.follow_ups.all()
    down_referral.record_follow_up(doctor, first, done=True)
    return down_referral


def test_the_figures(history, group_admin):
    scope = metrics.scope_for(group_admin, 12)
    volume = {(row["direction"], row["count"]) for row in metrics.volume(scope)}
    assert volume == {("up", 3), ("down", 1)}
    assert metrics.rejection_reasons(scope) == [{"reason": "no_capacity", "label": "No capacity", "count": 1}]
    (arrivals,) = metrics.arrivals(scope)
    assert (arrivals["approved"], arrivals["arrived"], arrivals["expired"], arrivals["arrived_share"]) == (
        2,
        1,
        1,
        50.0,
    )


def test_median_time_to_decision(history, group_admin):
    # Three decisions: 2 h, 2 h and 6 h after the request; the median is 2 h.
    for referral, hours in zip(
        Referral.objects.filter(decided_at__isnull=False).order_by("pk"), (2, 2, 6), strict=True
    ):
        Referral.objects.filter(pk=referral.pk).update(decided_at=referral.submitted_at + timedelta(hours=hours))
    scope = metrics.scope_for(group_admin, 12)
    assert [row["median_hours"] for row in metrics.decision_times(scope)] == [2.0]
    assert list(metrics.median_decision_hours_by_month(scope).values()) == [2.0]


def test_follow_up_completion_counts_done_missed_and_overdue(history, group_admin):
    from referrals.models import FollowUpItem

    FollowUpItem.objects.filter(referral=history).update(due_on=timezone.localdate() - timedelta(days=1))
    rows = metrics.follow_up_completion(metrics.scope_for(group_admin, 12))
    assert sum(row["done"] for row in rows) == 1
    assert sum(row["overdue"] for row in rows) == 1
    assert rows[-1]["completion"] == 50.0


def test_the_page_draws_charts_from_json(client, group_admin, history):
    client.force_login(group_admin)
    response = client.get(reverse("referrals:metrics"))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="referral-metrics"' in body and "chart.umd.min.js" in body
    chart = response.context["chart"]
    assert sum(chart["up"]) == 3 and sum(chart["down"]) == 1
    json.dumps(chart)  # what json_script serialises


def test_csv(client, group_admin, history):
    client.force_login(in_english(group_admin))
    response = client.get(reverse("referrals:metrics_csv"), {"table": "rejections"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.getvalue().decode("utf-8-sig"))))
    assert rows == [["reason", "label", "count"], ["no_capacity", "No capacity", "1"]]
    assert client.get(reverse("referrals:metrics_csv"), {"table": "nope"}).status_code == 404


def test_a_transfer_admin_sees_their_hospitals_figures_only(client, baoshan_admin, transfer_admin, history):
    client.force_login(baoshan_admin)
    response = client.get(reverse("referrals:metrics"))
    assert response.status_code == 200
    assert sum(response.context["chart"]["up"]) == 0
    client.force_login(transfer_admin)
    assert sum(client.get(reverse("referrals:metrics")).context["chart"]["up"]) == 3


def test_doctors_get_403_and_post_405(client, doctor, group_admin):
    client.force_login(doctor)
    assert client.get(reverse("referrals:metrics")).status_code == 403
    assert client.get(reverse("referrals:metrics_csv")).status_code == 403
    client.force_login(group_admin)
    assert client.post(reverse("referrals:metrics")).status_code == 405
