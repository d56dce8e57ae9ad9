"""Browser journey: dr.yangpu searches 咳嗽, opens the topic, triages a 10-month-old breathing
52 times a minute with chest indrawing, gets the classification, and starts a consultation."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from cloudpeds.accounts.models import User
from consultations.models import Consultation, Status
from handbook.models import TriageRun
from tests.e2e.conftest import pass_two_factor
from tests.factories import PatientFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _months_ago(months: int) -> date:
    today = date.today()
    year, month = divmod(today.month - 1 - months, 12)
    return date(today.year + year, month + 1, min(today.day, 28))


@pytest.fixture
def infant(transactional_db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo", stdout=io.StringIO())
    doctor = User.objects.get(username="dr.yangpu")
    return PatientFactory(
        hospital=doctor.hospital,
        registered_by=doctor,
        name="赵小宝",
        record_number="YP-E2E-TRIAGE",
        date_of_birth=_months_ago(10),
    )


def _answer(form) -> None:
    """A 10-month-old with fast breathing and chest indrawing, no danger sign."""
    for question in form.locator("[data-question]").all():
        key = question.get_attribute("data-question").removeprefix("q_")
        if key == "respiratory_rate":
            question.locator("input").fill("52")
        elif key == "cough_days":
            question.locator("input").fill("3")
        elif key == "chest_indrawing":
            question.locator("input[value=yes]").check()
        elif question.locator("input[value=no]").count():
            question.locator("input[value=no]").check()


def test_search_triage_and_hand_over_to_a_specialist(live_server, infant, page: Page, settings):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", "dr.yangpu")
    page.fill("input[name=password]", settings.DEMO_PASSWORD)
    page.get_by_test_id("sign-in").click()
    pass_two_factor(page, "dr.yangpu")
    expect(page).to_have_url(f"{live_server.url}/")

    # Search in Chinese; the cough topic comes first.
    page.goto(f"{live_server.url}/handbook/")
    page.fill("#handbook-q", "咳嗽")
    page.locator("form[role=search] button[type=submit]").click()
    first = page.get_by_test_id("results").locator("a").first
    expect(first).to_have_attribute("href", "/handbook/topics/cough-or-difficult-breathing/")
    first.click()
    expect(page).to_have_url(f"{live_server.url}/handbook/topics/cough-or-difficult-breathing/")

    # Triage the registered 10-month-old.
    page.get_by_test_id("start-triage").click()
    page.fill("#triage-patient-search", "赵小宝")
    page.locator(f"input[name=patient][value='{infant.public_id}']").check()
    # The general danger signs come first (none present), then the other questions.
    _answer(page.get_by_test_id("triage-form"))
    page.get_by_test_id("triage-next").click()
    expect(page.get_by_test_id("triage-computed-age")).to_be_visible()
    form = page.get_by_test_id("triage-form")
    _answer(form)
    form.locator("button[type=submit]").click()

    expect(page.get_by_test_id("result")).to_be_visible()
    run = TriageRun.objects.get(patient=infant)
    assert run.classification_colour == "yellow"
    assert run.classification["code"] == "pneumonia"
    # The page is in Chinese (dr.yangpu's language).
    expect(page.get_by_test_id("classification")).to_have_text(run.classification["name_zh"])
    expect(page.get_by_test_id("fired")).to_contain_text("52")

    # One click hands over to a Xinhua specialist: a draft consultation, pre-filled.
    page.get_by_test_id("handover").locator("form button[type=submit]").click()
    consultation = Consultation.objects.get(patient=infant)
    assert consultation.status == Status.DRAFT
    assert consultation.respiratory_rate == 52
    assert consultation.handbook_context["classification"]["code"] == "pneumonia"
    assert consultation.department.specialty == "respiratory"
    expect(page).to_have_url(f"{live_server.url}/consultations/{consultation.public_id}/edit/")
