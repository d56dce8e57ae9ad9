"""The outcomes pages: who sees which hospital (own vs group, 404 for another hospital, 403
for other roles), the figures on the page, CSV and PDF, no child named, constant queries."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from consultations import rollups as consultation_rollups
from handbook.models import Topic
from outcomes.models import CohortTrainingDay, TriageDay
from tests.factories import ConsultationFactory, PatientFactory, TopicVersionFactory

from .conftest import at

pytestmark = pytest.mark.django_db

MARCH = {"month": "2025-03"}


def url(name: str, hospital) -> str:
    return reverse(f"outcomes:{name}", kwargs={"code": hospital.code})


@pytest.fixture
def rolled(consultations):
    consultation_rollups.rebuild(date(2025, 2, 1), date(2025, 3, 31))
    return consultations


def test_leadership_sees_its_own_hospital(rolled, yangpu, baoshan, yangpu_lead, login_2fa):
    client = login_2fa(yangpu_lead)
    assert client.get(reverse("outcomes:index")).url == url("hospital", yangpu)
    page = client.get(url("hospital", yangpu), MARCH)
    assert page.status_code == 200
    level = dict(page.context["sections"][0][2])
    assert level["Consultations sent"] == "4"
    assert level["Time to answer, median (hours)"] == "6.0"
    assert level["Time to answer, 90th percentile (hours)"] == "8.4"
    assert level["Answered within target"] == "66.7%"
    doctors = dict(page.context["sections"][1][2])
    assert doctors["Needed an information request"] == "25.0%"
    # Another hospital's page, CSV and PDF: not found.
    for name in ("hospital", "csv", "pdf"):
        assert client.get(url(name, baoshan), MARCH).status_code == 404


def test_the_group_administrator_sees_every_hospital(rolled, yangpu, baoshan, group_admin, login_2fa):
    client = login_2fa(group_admin)
    index = client.get(reverse("outcomes:index"))
    assert {hospital.code for hospital in index.context["hospitals"]} >= {"yangpu", "baoshan"}
    page = client.get(url("hospital", baoshan), MARCH)
    assert dict(page.context["sections"][0][2])["Consultations sent"] == "1"


def test_other_roles_are_refused(rolled, yangpu, doctor, specialist, client):
    for user in (doctor, specialist):
        client.force_login(user)
        assert client.get(url("hospital", yangpu), MARCH).status_code == 403
        assert client.get(reverse("outcomes:index")).status_code == 403


def test_no_child_is_named(rolled, yangpu, group_admin, login_2fa):
    client = login_2fa(group_admin)
    body = client.get(url("hospital", yangpu), MARCH).content.decode()
    csv_body = b"".join(client.get(url("csv", yangpu), MARCH).streaming_content).decode("utf-8-sig")
    for case in rolled:
        for text in (case.patient.name, case.patient.record_number, case.question):
            assert text not in body
            assert text not in csv_body


def test_csv_has_twelve_months_of_every_figure(rolled, yangpu, group_admin, login_2fa):
    client = login_2fa(group_admin)
    response = client.get(url("csv", yangpu), MARCH)
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][2:] == [f"2024-{m:02}" for m in range(4, 13)] + ["2025-01", "2025-02", "2025-03"]
    sent = next(row for row in rows if row[1] == "Consultations sent")
    assert sent[-2:] == ["1", "4"]


def test_pdf_report(rolled, yangpu, group_admin, login_2fa):
    client = login_2fa(group_admin)
    response = client.get(url("pdf", yangpu), MARCH)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_a_month_not_begun_is_refused_on_the_form(rolled, yangpu, group_admin, login_2fa):
    client = login_2fa(group_admin)
    page = client.get(url("hospital", yangpu), {"month": "2999-01"})
    assert page.status_code == 200
    assert "Choose a month that has begun." in page.content.decode()


def test_the_page_takes_the_same_number_of_queries_for_more_rows(
    rolled, yangpu, doctor, specialist, group_admin, login_2fa, settings
):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    client = login_2fa(group_admin)
    client.get(url("hospital", yangpu), MARCH)
    with CaptureQueriesContext(connection) as few:
        client.get(url("hospital", yangpu), MARCH)
    child = PatientFactory(hospital=yangpu, registered_by=doctor)
    for day in range(1, 21):
        ConsultationFactory(
            patient=child,
            requested_by=doctor,
            department=specialist.department,
            answered=True,
            submitted_at=at(day, month=1),
            answered_at=at(day, day, month=1),
        )
    consultation_rollups.rebuild(date(2025, 1, 1), date(2025, 1, 31))
    with CaptureQueriesContext(connection) as many:
        page = client.get(url("hospital", yangpu), MARCH)
    january = next(cells for label, cells in page.context["trend"][0][1] if label == "Consultations sent")
    assert january[-3] == "20"
    assert len(many) == len(few)


def test_the_cohort_and_topic_tables_take_the_same_number_of_queries_for_more_rows(
    history, yangpu, group_admin, login_2fa, settings
):
    """§2's cohorts and §3's topics: one query each, however many rows (history: 2 cohorts,
    3 topic × colour cells; then 12 cohorts and 33 cells)."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    client = login_2fa(group_admin)
    client.get(url("hospital", yangpu), MARCH)
    with CaptureQueriesContext(connection) as few:
        client.get(url("hospital", yangpu), MARCH)
    for n in range(10):
        version = TopicVersionFactory()
        topic = version.topic
        Topic.objects.filter(pk=topic.pk).update(current_version=version)
        CohortTrainingDay.objects.create(day=date(2025, 3, 2), hospital=yangpu, title=f"title {n}", enrolled=1)
        for colour in ("red", "yellow", "green"):
            TriageDay.objects.create(day=date(2025, 3, 2), hospital=yangpu, topic=topic, colour=colour, runs=n + 1)
    with CaptureQueriesContext(connection) as many:
        page = client.get(url("hospital", yangpu), MARCH)
    assert len(page.context["cohorts"]) == 12 and len(page.context["topics"]) == 33
    assert len(many) == len(few)
