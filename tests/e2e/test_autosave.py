"""The consultation form keeps what a doctor types (issue 12, no work lost), in a real browser
at phone size: type, leave (here: reload), come back, find it; discard it to start afresh."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from cloudpeds.accounts.roles import Role
from consultations.models import Autosave
from tests.factories import PASSWORD, HospitalFactory, PatientFactory
from tests.patients.conftest import make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_typing_survives_a_reload_and_can_be_discarded(live_server, page: Page) -> None:
    doctor = make_user("dr.autosave", HospitalFactory(code="yangpu"), Role.GRASSROOTS_DOCTOR)
    patient = PatientFactory(
        hospital=doctor.hospital, registered_by=doctor, date_of_birth=timezone.localdate() - timedelta(days=900)
    )
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", doctor.username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").last.click()
    expect(page).to_have_url(f"{live_server.url}/")

    form = f"{live_server.url}/consultations/new/{patient.public_id}/"
    page.goto(form)
    page.fill("#id_respiratory_rate", "52")
    page.fill("#id_question", "Fever for three days and fast breathing: does she need admission?")
    expect(page.get_by_test_id("autosave-status")).to_contain_text("Saved automatically at", timeout=10_000)
    kept = Autosave.objects.get()
    assert kept.data["question"].startswith("Fever for three days")
    assert kept.data["respiratory_rate"] == "52"

    page.goto(form)
    expect(page.get_by_test_id("autosave-restored")).to_be_visible()
    expect(page.locator("#id_question")).to_have_value(
        "Fever for three days and fast breathing: does she need admission?"
    )
    expect(page.locator("#id_respiratory_rate")).to_have_value("52")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    page.get_by_role("button", name="Discard it and start again").click()
    expect(page.locator("#id_question")).to_have_value("")
    assert not Autosave.objects.exists()
