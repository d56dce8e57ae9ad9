"""The referral metrics page reads the daily roll-ups for its charts by month (referrals up
and down, median time to decision), today's partial day live, and keeps its figures per
scope, period, language and roll-up generation: a rebuild shows at once, one hospital's
figures are never served to another, the query count does not grow with the referrals."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cloudpeds.core import rollups as core_rollups
from referrals import rollups
from referrals.models import Referral
from tests.conftest import app_queries
from tests.factories import PatientFactory

from .conftest import in_english, make_request
from .test_metrics import history  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db

URL = reverse("referrals:metrics")


def chart(client, **query) -> dict:
    response = client.get(URL, query)
    assert response.status_code == 200
    return response.context["chart"]


def _move_back(days: int) -> None:
    """Every referral requested (and decided, arrived) `days` earlier, then rolled up."""
    today = timezone.localdate()
    for referral in Referral.objects.exclude(submitted_at=None):
        shift = timedelta(days=days)
        Referral.objects.filter(pk=referral.pk).update(
            submitted_at=referral.submitted_at - shift,
            decided_at=referral.decided_at - shift if referral.decided_at else None,
        )
    rollups.rebuild(today - timedelta(days=30), today)


def test_days_before_today_come_from_the_roll_ups(client, group_admin, history):  # noqa: F811
    client.force_login(group_admin)
    today_chart = chart(client)
    _move_back(2)
    core_rollups.bump_generation()

    moved = chart(client)

    assert (sum(moved["up"]), sum(moved["down"])) == (sum(today_chart["up"]), sum(today_chart["down"])) == (3, 1)
    month = f"{timezone.localdate() - timedelta(days=2):%Y-%m}"
    assert moved["median_hours"][moved["months"].index(month)] is not None


def test_the_charts_match_the_tables_of_the_referrals(client, group_admin, history):  # noqa: F811
    from referrals import metrics

    _move_back(3)
    # A decision 2, 2 and 6 hours after the request: the median is 2 hours, in the chart as
    # in the (live) CSV table.
    for referral, hours in zip(
        Referral.objects.filter(decided_at__isnull=False).order_by("pk"), (2, 2, 6), strict=True
    ):
        Referral.objects.filter(pk=referral.pk).update(decided_at=referral.submitted_at + timedelta(hours=hours))
    today = timezone.localdate()
    rollups.rebuild(today - timedelta(days=5), today)
    scope = metrics.scope_for(group_admin, 12)
    assert [row["median_hours"] for row in metrics.decision_times(scope)] == [2.0]
    assert list(metrics.median_decision_hours_by_month(scope).values()) == [2.0]
    by_month = {}
    for row in metrics.volume(scope):
        by_month[(row["month"], row["direction"])] = by_month.get((row["month"], row["direction"]), 0) + row["count"]
    client.force_login(group_admin)
    drawn = chart(client)
    for (month, direction), count in by_month.items():
        assert drawn[direction][drawn["months"].index(month)] == count


def test_a_cached_page_reads_nothing_and_a_rebuild_shows_a_change(
    client,
    group_admin,
    doctor,
    respiratory,
    history,  # noqa: F811
):
    client.force_login(group_admin)
    assert sum(chart(client)["up"]) == 3
    with CaptureQueriesContext(connection) as cached:
        assert sum(chart(client)["up"]) == 3
    assert not any("referrals_" in query["sql"] for query in app_queries(cached))

    make_request(doctor, PatientFactory(hospital=doctor.hospital, registered_by=doctor), respiratory)
    assert sum(chart(client)["up"]) == 3  # until the roll-ups are rebuilt (or five minutes)
    today = timezone.localdate()
    rollups.rebuild(today, today)

    assert sum(chart(client)["up"]) == 4


def test_each_hospital_has_its_own_figures(client, group_admin, baoshan_admin, transfer_admin, history):  # noqa: F811
    client.force_login(transfer_admin)
    assert sum(chart(client)["up"]) == 3
    client.force_login(baoshan_admin)
    assert sum(chart(client)["up"]) == 0
    client.force_login(group_admin)
    assert sum(chart(client)["up"]) == 3


def test_each_language_and_period_has_its_own_figures(client, group_admin, history):  # noqa: F811
    client.force_login(in_english(group_admin))
    assert chart(client)["labels"]["up"] == "Up"
    assert len(chart(client, months=6)["months"]) == 6
    group_admin.preferred_language = "zh-hans"
    group_admin.save(update_fields=["preferred_language"])
    assert chart(client)["labels"]["up"] != "Up"
    assert len(chart(client)["months"]) == 12


def test_the_page_takes_the_same_queries_for_more_referrals(client, group_admin, doctor, respiratory, history):  # noqa: F811
    client.force_login(group_admin)
    _move_back(3)
    chart(client)
    core_rollups.bump_generation()
    with CaptureQueriesContext(connection) as few:
        chart(client)
    for _ in range(5):
        make_request(doctor, PatientFactory(hospital=doctor.hospital, registered_by=doctor), respiratory)
    _move_back(3)
    core_rollups.bump_generation()
    with CaptureQueriesContext(connection) as many:
        assert sum(chart(client)["up"]) == 8

    assert len(app_queries(many)) == len(app_queries(few))
