"""Browser: with the CSRF cookie HttpOnly, htmx still posts with the token (it reads it from
the page's hx-headers), and no script can read the cookie."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from cloudpeds.accounts.roles import Role
from cloudpeds.patients.models import GrowthMeasurement
from tests.factories import PASSWORD, DepartmentFactory, HospitalFactory, PatientFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def doctor(transactional_db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    hospital = HospitalFactory(code="yangpu", name_zh="杨浦区中心医院", name_en="Yangpu")
    department = DepartmentFactory(hospital=hospital)
    return UserFactory(username="dr.csrf", hospital=hospital, department=department, roles=[Role.GRASSROOTS_DOCTOR])


def test_an_htmx_post_passes_csrf_with_an_httponly_cookie(live_server, doctor, page: Page):
    patient = PatientFactory(hospital=doctor.hospital, registered_by=doctor, name="林小雨")
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", doctor.username)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_test_id("sign-in").click()
    expect(page).to_have_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/patients/{patient.public_id}/")
    csrf = next(cookie for cookie in page.context.cookies() if cookie["name"] == "csrftoken")
    assert csrf["httpOnly"] is True
    assert "csrftoken" not in page.evaluate("document.cookie")
    # The measurement form is posted by htmx; take the form's own hidden token out, so that
    # only the header htmx adds from the body's hx-headers can carry it.
    form = page.locator("#measurements form")
    form.locator("input[name=csrfmiddlewaretoken]").evaluate("element => element.remove()")
    form.locator("input[name=weight_kg]").fill("12.5")
    with page.expect_response(lambda response: "/measurements/" in response.url) as posted:
        form.locator("button[type=submit]").click()

    assert posted.value.status == 200
    assert posted.value.request.headers.get("x-csrftoken")
    expect(page.locator("#measurements")).to_contain_text("12.5")
    assert GrowthMeasurement.objects.filter(patient=patient, weight_kg="12.5").exists()
