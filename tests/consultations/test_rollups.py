"""The consultations' daily roll-up (consultations/rollups.py): exact rows on a known data set,
rebuild idempotent, and the periodic task wired in beat."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.conf import settings

from consultations import rollups
from consultations.models import ConsultationDay, Message
from consultations.tasks import rebuild_recent_rollups
from tests.factories import ConsultationFactory

pytestmark = pytest.mark.django_db

DAY = date(2025, 3, 10)


def at(day: int, hour: float) -> datetime:
    # 02:00 UTC is 10:00 in Shanghai: the same local day.
    return datetime(2025, 3, day, 2, tzinfo=UTC) + timedelta(hours=hour)


@pytest.fixture
def cases(doctor, specialist, patient):
    dept = specialist.department
    common = {"patient": patient, "requested_by": doctor, "department": dept, "assigned_to": specialist}
    made = {
        "local": ConsultationFactory(
            **common, closed=True, submitted_at=at(10, 0), answered_at=at(10, 2), closed_at=at(11, 0)
        ),
        "refer": ConsultationFactory(
            **common,
            answered=True,
            recommendation="refer",
            submitted_at=at(10, 0),
            answered_at=at(10, 10),
            paused_total=timedelta(hours=1),
        ),
        "urgent_late": ConsultationFactory(
            **common, answered=True, urgency="urgent", submitted_at=at(10, 0), answered_at=at(10, 6)
        ),
        "waiting": ConsultationFactory(patient=patient, requested_by=doctor, department=dept, submitted_at=at(10, 1)),
        "next_day_late": ConsultationFactory(**common, answered=True, submitted_at=at(11, 0), answered_at=at(11, 50)),
    }
    Message.objects.create(consultation=made["refer"], author=specialist, body="体重多少?", is_info_request=True)
    return made


def _rows():
    return {
        (row.day, row.urgency): (
            row.submitted,
            row.answered,
            row.within_target,
            row.answered_manage_locally,
            row.answered_refer,
            row.closed,
            row.closed_managed_locally,
            row.info_requested,
            row.response_seconds,
        )
        for row in ConsultationDay.objects.all()
    }


def test_rows_of_known_cases(cases, doctor):
    assert rollups.rebuild(date(2025, 3, 1), date(2025, 3, 31)) == 3
    assert _rows() == {
        # local 2 h and refer 9 h (10 h less 1 h paused): both within the 48 h routine target.
        (DAY, "routine"): (3, 2, 2, 1, 1, 1, 1, 1, [7200.0, 32400.0]),
        # 6 h against the urgent 4 h target.
        (DAY, "urgent"): (1, 1, 0, 1, 0, 0, 0, 0, [21600.0]),
        (date(2025, 3, 11), "routine"): (1, 1, 0, 1, 0, 0, 0, 0, [180000.0]),
    }
    assert {row.requesting_hospital_id for row in ConsultationDay.objects.all()} == {doctor.hospital_id}


def test_rebuild_replaces_the_range(cases):
    rollups.rebuild(date(2025, 3, 1), date(2025, 3, 31))
    cases["waiting"].answered_at = at(10, 3)
    cases["waiting"].recommendation = "manage_locally"
    cases["waiting"].save()
    assert rollups.rebuild(date(2025, 3, 10), date(2025, 3, 10)) == 2
    assert ConsultationDay.objects.count() == 3
    assert _rows()[(DAY, "routine")][:3] == (3, 3, 3)


def test_periodic_task_rebuilds_the_last_days(cases):
    assert rebuild_recent_rollups("2025-03-20") == 3
    assert rebuild_recent_rollups("2025-06-30") == 0  # March is more than 60 days before
    assert ConsultationDay.objects.count() == 3  # rows outside the rolling window are kept
    schedule = settings.CELERY_BEAT_SCHEDULE["consultations-rollups"]
    assert schedule["task"] == "consultations.tasks.rebuild_recent_rollups"
