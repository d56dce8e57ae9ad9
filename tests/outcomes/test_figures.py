"""outcomes/figures.py: each figure from the roll-ups, exact on a known data set, and today's
partial day counted live before any roll-up ran."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from consultations import rollups as consultation_rollups
from outcomes.figures import hospital_months, months_ending
from tests.factories import ConsultationFactory, PatientFactory

pytestmark = pytest.mark.django_db

TODAY = date(2025, 3, 20)


def test_months_ending():
    assert months_ending(date(2025, 2, 1), 3) == [date(2024, 12, 1), date(2025, 1, 1), date(2025, 2, 1)]


def test_consultation_figures_from_the_rollups(consultations, yangpu):
    consultation_rollups.rebuild(date(2025, 2, 1), date(2025, 3, 31))
    february, march = hospital_months(yangpu, date(2025, 3, 1), 2, today=TODAY)
    assert march.consultations["submitted"] == 4
    assert march.consultations["answered"] == 3
    assert march.within_target == pytest.approx(2 / 3)  # 2 h and 9 h within 48 h; 6 h urgent over 4 h
    assert march.managed_locally == pytest.approx(2 / 3)
    assert march.consultations["closed_managed_locally"] == 1
    assert march.info_requested == pytest.approx(1 / 4)
    assert march.answer_median_hours == pytest.approx(6.0)
    assert march.answer_p90_hours == pytest.approx(8.4)  # 6 + 0.8 × (9 − 6)
    assert march.consultations_per_doctor == pytest.approx(4.0)  # one grassroots doctor at Yangpu
    assert (february.consultations["submitted"], february.answer_median_hours) == (1, pytest.approx(48.0))
    assert march.transfer_median_hours is None
    assert march.loop_closed is None  # nothing to divide


def test_without_rollups_past_days_are_empty(consultations, yangpu):
    (march,) = hospital_months(yangpu, date(2025, 3, 1), 1, today=TODAY)
    assert march.consultations["submitted"] == 0


def test_today_is_counted_live(doctor, specialist, yangpu):
    patient = PatientFactory(hospital=yangpu, registered_by=doctor)
    now = timezone.now()
    ConsultationFactory(
        patient=patient,
        requested_by=doctor,
        department=specialist.department,
        answered=True,
        submitted_at=now,
        answered_at=now + timedelta(minutes=30),
    )
    today = timezone.localdate()
    (this_month,) = hospital_months(yangpu, today.replace(day=1), 1)
    assert this_month.consultations["submitted"] == 1
    assert this_month.answer_median_hours == pytest.approx(0.5)
