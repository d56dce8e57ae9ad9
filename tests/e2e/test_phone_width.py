"""Every main page of every role fits a 390 × 844 phone: no sideways scrolling (issue 12).

Each demo account opens its pages in a phone-sized browser; the page must not be wider than
the window (`document.documentElement.scrollWidth <= innerWidth`). The accounts are signed
in with a session made by Django's test client, so the two-factor administrators need no
code here (their sign-in is the referral journey's subject).
"""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.test import Client
from playwright.sync_api import Browser, Page

from cloudpeds.accounts.models import User
from cloudpeds.patients.models import Patient
from consultations.models import Consultation
from referrals.models import Referral
from training.models import Attempt, TeachingCase

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}

# Pages whose wide tables must be stacked cards at phone width (not scroll in their box).
CARD_PAGES = ("/metrics/", "/progress/")
# The demo child whose patient page has growth charts over a table of z-scores (cards too).
GROWTH_DEMO_CHILD = "YP2025000108"

COMMON = ["/", "/notifications/", "/handbook/", "/training/"]

PAGES: dict[str, list[str]] = {
    "dr.yangpu": [
        "/patients/",
        "/patients/new/",
        "/consultations/",
        "/consultations/new/",
        "/referrals/",
        "/referrals/all/",
        "/referrals/new/",
        "/handbook/triage/",
        "/training/certificates/",
        "/training/teaching-cases/",
        "{teaching_case}",
        "/training/credits/",
        "{consultation}",
        "{referral}",
        "{patient}",
        "{growth_patient}",
    ],
    "spec.resp": [
        "/patients/",
        "/consultations/",
        "/consultations/queue/",
        "/consultations/conferences/",
        "/consultations/metrics/",
        "/referrals/",
        "/referrals/all/",
        "{consultation}",
        "{referral}",
    ],
    "admin.xinhua": [
        "/patients/",
        "/referrals/",
        "/referrals/queue/",
        "/referrals/all/",
        "/referrals/beds/",
        "/referrals/metrics/",
        "{referral}",
    ],
    "spec.neuro": ["{attempt}", "{attempt_summary}"],
    "trainer": [
        "/training/manage/",
        "/training/certificates/manage/",
        "/training/manage/fever-under-5/progress/",
        "/training/manage/pneumonia-in-infants/progress/",
        "/training/teaching-cases/",
        "/training/teaching-cases/candidates/",
        "{teaching_case}",
        "/training/credits/",
    ],
    "editor": ["/handbook/editor/", "/handbook/editor/review-due/", "/handbook/editor/usage/", "/handbook/pathways/"],
    # Clinical safety: the reference cases, one pathway's list (with the approval forms) and the proposal form.
    "safety": ["/handbook/reference/", "/handbook/reference/cough/", "/handbook/reference/cough/propose/"],
    "director": [
        "/consultations/",
        "/consultations/metrics/",
        "/referrals/",
        "/referrals/metrics/",
        "/audit/",
        "/outcomes/",
        "/outcomes/yangpu/",
    ],
    # A hospital's leadership: its own outcomes (the index redirects there).
    "admin.yangpu": ["/outcomes/"],
}


@pytest.fixture
def demo(transactional_db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo", stdout=io.StringIO())


def _phone_page(browser: Browser, base: str, username: str) -> Page:
    client = Client()
    client.force_login(User.objects.get(username=username))
    # Not is_mobile: a mobile viewport widens the window to fit a too-wide page, and the
    # comparison below could then never fail.
    context = browser.new_context(viewport=PHONE, locale="zh-CN", timezone_id="Asia/Shanghai")
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base}])
    return context.new_page()


def _records(username: str) -> dict[str, str]:
    user = User.objects.get(username=username)
    consultation = Consultation.objects.visible_to(user).order_by("-pk").first()
    referral = Referral.objects.visible_to(user).order_by("-pk").first()
    patient = Patient.objects.visible_to(user).order_by("-pk").first()
    # The demo child with a year of measurements: growth charts and the z-score table.
    growth_patient = Patient.objects.visible_to(user).filter(record_number=GROWTH_DEMO_CHILD).first()
    # The demo's exam in progress (spec.neuro's): the attempt page and its summary.
    attempt = Attempt.objects.visible_to(user).filter(user=user, status="open").first()
    teaching_case = TeachingCase.objects.order_by("pk").first()
    return {
        "teaching_case": teaching_case.get_absolute_url() if teaching_case else "/training/teaching-cases/",
        "attempt": attempt.get_absolute_url() if attempt else "/training/",
        "attempt_summary": f"{attempt.get_absolute_url()}summary/" if attempt else "/training/",
        "consultation": consultation.get_absolute_url() if consultation else "/consultations/",
        "referral": referral.get_absolute_url() if referral else "/referrals/",
        "patient": patient.get_absolute_url() if patient else "/patients/",
        "growth_patient": growth_patient.get_absolute_url() if growth_patient else "/patients/",
    }


def test_every_main_page_of_every_role_fits_a_phone(live_server, demo, page: Page):
    browser = page.context.browser
    too_wide = []
    for username, paths in PAGES.items():
        phone = _phone_page(browser, live_server.url, username)
        records = _records(username)
        for path in COMMON + paths:
            url = path.format(**records)
            response = phone.goto(f"{live_server.url}{url}")
            assert response is not None and response.status == 200, (username, url, response and response.status)
            assert "/accounts/login/" not in phone.url, (username, url)
            widths = phone.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            assert widths[1] == PHONE["width"], widths
            if widths[0] > widths[1]:
                too_wide.append((username, url, widths[0]))
            if any(part in url for part in CARD_PAGES) or path == "{growth_patient}":
                # Figures tables become stacked cards: none scrolls sideways inside its box.
                boxes = phone.evaluate(
                    "Array.from(document.querySelectorAll('.table-responsive'))"
                    ".filter((box) => box.scrollWidth > box.clientWidth).length"
                )
                if boxes:
                    too_wide.append((username, url, f"{boxes} table(s) scrolling in their box"))
            if path == "{growth_patient}":
                # The growth charts are drawn (vendored Chart.js under the CSP), one per indicator.
                drawn = phone.evaluate(
                    "Array.from(document.querySelectorAll('[data-testid=growth-charts] canvas'))"
                    ".filter((canvas) => window.Chart && window.Chart.getChart(canvas)).length"
                )
                assert drawn == 5, (username, url, drawn)
        phone.context.close()
    assert too_wide == []


def test_the_triage_steps_and_result_fit_a_phone(live_server, demo, page: Page):
    """The two-step triage: the danger signs (step 1), then the other questions (step 2,
    reached only by answering "no" to every danger sign), then the result."""
    phone = _phone_page(page.context.browser, live_server.url, "dr.yangpu")
    child = Patient.objects.visible_to(User.objects.get(username="dr.yangpu")).exclude(date_of_birth=None).first()
    phone.goto(f"{live_server.url}/handbook/topics/cough-or-difficult-breathing/triage/?patient={child.public_id}")
    widths = []
    form = phone.get_by_test_id("triage-form")
    for answer in form.locator("[data-question] input[value=no]").all():
        answer.check()
    widths.append(("step 1", phone.evaluate("document.documentElement.scrollWidth")))
    phone.get_by_test_id("triage-next").click()
    phone.get_by_test_id("triage-computed-age").wait_for()
    widths.append(("step 2", phone.evaluate("document.documentElement.scrollWidth")))
    # A calm child with a cough of three days: green, the shortest path to a result.
    numbers = {"q_respiratory_rate": "30", "q_cough_days": "3"}
    for question in form.locator("[data-question]").all():
        key = question.get_attribute("data-question")
        if key in numbers:
            question.locator("input").fill(numbers[key])
        elif question.locator("input[value=no]").count():
            question.locator("input[value=no]").check()
    form.locator("button[type=submit]").click()
    phone.get_by_test_id("result").wait_for()
    widths.append(("result", phone.evaluate("document.documentElement.scrollWidth")))
    phone.context.close()
    assert [step for step, width in widths if width > PHONE["width"]] == []
