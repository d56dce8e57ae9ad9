"""The consultation metrics page's cache: the figures block is rendered once per scope
(whose consultations the user counts), filters, language and roll-up generation. A rebuild
of the roll-ups draws a new generation, so the page shows the rebuilt figures at once; one
scope's, filter's or language's block is never served for another."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from cloudpeds.accounts.models import Department
from cloudpeds.accounts.roles import Role
from tests.conftest import app_queries
from tests.factories import ConsultationFactory, PatientFactory, UserFactory

from .test_metrics import PERIOD, URL, at, cases, roll_up  # noqa: F401 (cases: a fixture)

pytestmark = pytest.mark.django_db


def card(response, heading: str = "Consultations") -> str:
    """A summary card's value as the page's HTML shows it (not the context: it is lazy)."""
    match = re.search(
        rf'<div class="small text-body-secondary">{re.escape(heading)}</div>\s*'
        r'<div class="fs-5 fw-semibold">([^<]*)</div>',
        response.content.decode(),
    )
    assert match, f"the card {heading!r} is on the page"
    return match.group(1)


def page(client, query=PERIOD):
    response = client.get(URL, query)
    assert response.status_code == 200
    return response


def test_a_cached_page_reads_no_roll_ups_and_shows_the_same(client, cases, specialist):  # noqa: F811
    client.force_login(specialist)
    with CaptureQueriesContext(connection) as first:
        first_page = page(client)
    with CaptureQueriesContext(connection) as second:
        second_page = page(client)

    assert card(first_page) == card(second_page) == "6"
    assert card(second_page, "Median response time (hours)") == "3.0"
    assert second_page.content.count(b'id="metrics-data"') == 1
    assert any("consultations_consultationday" in query["sql"] for query in app_queries(first))
    assert not any("consultations_consultationday" in query["sql"] for query in app_queries(second))
    assert len(app_queries(second)) < len(app_queries(first))


def test_a_rebuild_changes_what_the_page_shows(client, cases, specialist, doctor):  # noqa: F811
    client.force_login(specialist)
    assert card(page(client)) == "6"
    child = PatientFactory(hospital=doctor.hospital, registered_by=doctor)
    ConsultationFactory(patient=child, department=specialist.department, submitted_at=at(2, 3))
    assert card(page(client)) == "6"  # cached until the roll-ups have the new case

    roll_up()

    assert card(page(client)) == "7"


def test_each_scope_has_its_own_figures(client, cases, specialist, group_admin, login_2fa):  # noqa: F811
    client.force_login(specialist)
    assert card(page(client)) == "6"
    admin = login_2fa(group_admin, Client())
    assert admin.get(URL, PERIOD).wsgi_request.user == group_admin
    assert card(page(admin)) == "7"  # the group, not the specialist's cached block
    assert card(page(client)) == "6"
    # Another specialist of the same hospital, in cardiology: their department's one case.
    cardiologist = UserFactory(
        username="cardio",
        hospital=specialist.hospital,
        department=Department.objects.get(specialty="cardiology"),
        roles=[Role.SPECIALIST],
        preferred_language="en",
    )
    other = Client()
    other.force_login(cardiologist)
    assert card(page(other)) == "1"


def test_each_filter_has_its_own_figures(client, cases, group_admin, outsider, login_2fa):  # noqa: F811
    login_2fa(group_admin)
    assert card(page(client)) == "7"
    assert card(page(client, {**PERIOD, "hospital": outsider.hospital.pk})) == "2"
    assert card(page(client, {**PERIOD, "specialty": "cardiology"})) == "1"
    assert card(page(client, {"start": "2025-03-01", "end": "2025-03-31"})) == "4"


def test_each_language_has_its_own_block(client, cases, specialist):  # noqa: F811
    client.force_login(specialist)
    assert "Median response time (hours)" in page(client).content.decode()
    specialist.preferred_language = "zh-hans"
    specialist.save(update_fields=["preferred_language"])

    content = page(client).content.decode()

    assert "Median response time (hours)" not in content
    assert "By month" not in content
