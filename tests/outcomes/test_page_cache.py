"""The outcomes page's cache: the figures block is rendered once per hospital, month,
language and roll-up generation. A rebuild of the roll-ups draws a new generation, so the
page shows the rebuilt figures at once; one hospital's block is never served for another."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cloudpeds.core import rollups as core_rollups
from consultations import rollups as consultation_rollups
from tests.conftest import app_queries
from tests.factories import ConsultationFactory, PatientFactory

from .conftest import at

pytestmark = pytest.mark.django_db

MARCH = {"month": "2025-03"}


def sent(response) -> str:
    """'Consultations sent' as the page's HTML shows it (not the context: it is lazy)."""
    match = re.search(
        r'Consultations sent</div>\s*<div class="fs-5 fw-semibold">([^<]*)</div>', response.content.decode()
    )
    assert match, "the card is on the page"
    return match.group(1)


def page(client, hospital):
    response = client.get(reverse("outcomes:hospital", kwargs={"code": hospital.code}), MARCH)
    assert response.status_code == 200
    return response


@pytest.fixture
def rolled(consultations):
    consultation_rollups.rebuild(date(2025, 2, 1), date(2025, 3, 31))
    return consultations


def test_a_cached_page_reads_no_roll_ups(rolled, yangpu, group_admin, login_2fa):
    client = login_2fa(group_admin)
    with CaptureQueriesContext(connection) as first:
        assert sent(page(client, yangpu)) == "4"
    with CaptureQueriesContext(connection) as second:
        assert sent(page(client, yangpu)) == "4"
    rollup_tables = ("consultations_consultationday", "referrals_referralday", "outcomes_")
    assert any(table in query["sql"] for query in app_queries(first) for table in rollup_tables)
    assert not any(table in query["sql"] for query in app_queries(second) for table in rollup_tables)


def test_a_rebuild_changes_what_the_page_shows(rolled, yangpu, doctor, specialist, group_admin, login_2fa):
    client = login_2fa(group_admin)
    assert sent(page(client, yangpu)) == "4"
    before = core_rollups.generation()
    child = PatientFactory(hospital=yangpu, registered_by=doctor)
    ConsultationFactory(patient=child, requested_by=doctor, department=specialist.department, submitted_at=at(14))
    # Not yet rolled up: the cached page stands.
    assert sent(page(client, yangpu)) == "4"
    consultation_rollups.rebuild(date(2025, 3, 1), date(2025, 3, 31))
    assert core_rollups.generation() != before
    assert sent(page(client, yangpu)) == "5"


def test_one_hospitals_figures_are_never_served_for_another(rolled, yangpu, baoshan, group_admin, login_2fa):
    client = login_2fa(group_admin)
    assert sent(page(client, yangpu)) == "4"
    assert sent(page(client, baoshan)) == "1"
    assert sent(page(client, yangpu)) == "4"


def test_the_cached_block_follows_the_language(rolled, yangpu, group_admin, login_2fa):
    client = login_2fa(group_admin)
    english = page(client, yangpu).content.decode()
    assert "Consultations sent" in english
    group_admin.preferred_language = "zh-hans"
    group_admin.save(update_fields=["preferred_language"])
    chinese = page(client, yangpu).content.decode()
    assert "Consultations sent" not in chinese
