"""Browser journey for the parts that need JavaScript under the enforced CSP: adding a
guardian row while registering (static/js/patients.js) and adding a measurement with htmx."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from cloudpeds.accounts.roles import Role
from cloudpeds.patients.models import GrowthMeasurement, Patient
from tests.factories import PASSWORD, HospitalFactory
from tests.patients.conftest import make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser_doctor(transactional_db):
    return make_user("dr.browser", HospitalFactory(code="yangpu"), Role.GRASSROOTS_DOCTOR)


def test_register_with_two_guardians_then_add_a_measurement(live_server, browser_doctor, page: Page) -> None:
    csp_errors: list[str] = []
    page.on("console", lambda msg: csp_errors.append(msg.text) if "Content Security Policy" in msg.text else None)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", "dr.browser")
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").last.click()
    expect(page).to_have_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/patients/new/")
    page.fill("#id_name", "周小雨")
    page.select_option("#id_sex", "female")
    page.fill("#id_date_of_birth", "2022-08-09")
    page.fill("#id_record_number", "YP7001")
    page.fill("#id_guardians-0-name", "周婷")
    page.select_option("#id_guardians-0-relation", "mother")
    page.fill("#id_guardians-0-phone", "13800007001")
    page.get_by_role("button", name="Add another guardian").click()
    expect(page.locator(".guardian-row")).to_have_count(3)
    page.fill("#id_guardians-2-name", "周鹏")
    page.select_option("#id_guardians-2-relation", "father")
    page.fill("#id_guardians-2-phone", "13900007002")
    page.get_by_role("button", name="Register", exact=True).click()

    expect(page.get_by_test_id("patient-name")).to_have_text("周小雨")
    patient = Patient.objects.get(record_number="YP7001")
    assert sorted(patient.guardians.values_list("name", flat=True)) == ["周婷", "周鹏"]

    page.evaluate("window.stillTheSamePage = true")  # gone if the form reloaded the page
    page.fill("#id_weight_kg", "1500")
    page.get_by_role("button", name="Add measurement").click()
    expect(page.locator("#measurements")).to_contain_text("Weight must be between 0.3 and 150 kg.")
    assert not GrowthMeasurement.objects.exists()

    page.fill("#id_weight_kg", "12.5")
    page.get_by_role("button", name="Add measurement").click()
    expect(page.locator("#measurements")).to_contain_text("The measurement is added.")
    expect(page.locator("#measurements tbody tr")).to_have_count(1)
    assert page.evaluate("window.stillTheSamePage") is True
    assert GrowthMeasurement.objects.get().weight_kg == 12.5
    assert csp_errors == []
