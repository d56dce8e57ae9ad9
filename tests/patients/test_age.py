from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone, translation

from cloudpeds.patients.age import pediatric_age
from cloudpeds.patients.models import Patient

TODAY = date(2024, 5, 10)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.mark.parametrize(
    ("born", "expected"),
    [
        (TODAY, "0 days"),  # born today
        (TODAY - timedelta(days=1), "1 day"),
        (TODAY - timedelta(days=27), "27 days"),
        (TODAY - timedelta(days=40), "1 month 10 days"),  # born 2024-03-31; April has 30 days
        (date(2024, 4, 10), "1 month"),
        (date(2023, 3, 8), "14 months 2 days"),
        (date(2022, 5, 11), "23 months 29 days"),
        (date(2022, 5, 10), "2 years"),
        (date(2022, 4, 10), "2 years 1 month"),  # 25 months
        (date(2017, 5, 10), "7 years"),
        (date(2017, 2, 1), "7 years 3 months"),
        (date(2010, 5, 11), "13 years 11 months"),
    ],
)
def test_pediatric_age(born: date, expected: str) -> None:
    assert pediatric_age(born, TODAY) == expected


def test_born_on_the_31st_has_a_monthly_birthday_at_the_end_of_shorter_months() -> None:
    assert pediatric_age(date(2024, 1, 31), date(2024, 2, 29)) == "29 days"
    assert pediatric_age(date(2024, 1, 31), date(2024, 3, 1)) == "1 month 1 day"


def test_a_birth_date_after_today_shows_nothing() -> None:
    assert pediatric_age(date(2024, 5, 11), TODAY) == ""


def test_patient_age_display_uses_the_given_day() -> None:
    patient = Patient(date_of_birth=date(2022, 4, 10))
    assert patient.age_display(today=TODAY) == "2 years 1 month"


def test_patient_age_display_defaults_to_today_in_shanghai() -> None:
    patient = Patient(date_of_birth=timezone.localdate() - timedelta(days=5))
    assert patient.age_display() == "5 days"


def test_the_patient_page_shows_the_pediatric_age(doctor_client, patient) -> None:
    patient.date_of_birth = timezone.localdate()
    patient.national_id = ""
    patient.save()

    response = doctor_client.get(f"/patients/{patient.public_id}/")

    assert response.status_code == 200
    assert '<span data-testid="age">0 days</span>' in response.content.decode()


def test_the_list_shows_the_pediatric_age(doctor_client, patient) -> None:
    today = timezone.localdate()
    born = today.replace(year=today.year - 7) if (today.month, today.day) != (2, 29) else date(today.year - 7, 2, 28)
    patient.date_of_birth = born
    patient.national_id = ""
    patient.save()

    response = doctor_client.get("/patients/")

    assert "<td>7 years</td>" in response.content.decode()
