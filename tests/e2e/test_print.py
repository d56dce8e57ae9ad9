"""Browser: every detail page (patient, consultation, referral, handbook topic) prints the
record only (static/css/portal.css @media print): no navigation, no buttons, no forms."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from cloudpeds.accounts.models import User
from cloudpeds.patients.models import Patient
from consultations.models import Consultation
from referrals.models import Referral
from tests.e2e.conftest import pass_two_factor

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(transactional_db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo", stdout=io.StringIO())


def _detail_pages() -> list[str]:
    doctor = User.objects.get(username="dr.yangpu")
    return [
        Patient.objects.get(record_number="YP2025000102").get_absolute_url(),
        Consultation.objects.visible_to(doctor).exclude(status="draft").order_by("pk").first().get_absolute_url(),
        Referral.objects.visible_to(doctor).order_by("pk").first().get_absolute_url(),
        "/handbook/topics/fever/",
    ]


def _shown(page: Page, selector: str) -> int:
    return page.locator(selector).evaluate_all(
        "elements => elements.filter(element => element.getClientRects().length > 0).length"
    )


def _outer(page: Page, url: str) -> str:
    return url + page.locator("main .btn, main button, main form, main [role=button]").evaluate_all(
        "elements => elements.filter(element => element.getClientRects().length > 0)"
        ".map(element => element.outerHTML.slice(0, 200)).join(' | ')"
    )


def test_detail_pages_print_without_navigation_or_buttons(live_server, demo, page: Page, settings):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", "dr.yangpu")
    page.fill("input[name=password]", settings.DEMO_PASSWORD)
    page.get_by_test_id("sign-in").click()
    pass_two_factor(page, "dr.yangpu")  # a doctor sees patient data: two-factor (issue 15)
    expect(page).to_have_url(f"{live_server.url}/")

    for url in _detail_pages():
        page.emulate_media(media="screen")
        page.goto(f"{live_server.url}{url}")
        # On screen the page has its navigation and its buttons...
        assert _shown(page, "nav.navbar") == 1, url
        assert _shown(page, "main .btn, main form") > 0, url

        page.emulate_media(media="print")
        # ...on paper only the record.
        assert _shown(page, "nav.navbar, footer, .breadcrumb") == 0, url
        assert _shown(page, "main .btn, main button, main form, main [role=button]") == 0, _outer(page, url)
        expect(page.locator("main h1").first).to_be_visible()
        headings = page.locator("main h2").evaluate_all(
            "elements => elements.map(element => getComputedStyle(element).breakAfter)"
        )
        assert headings and set(headings) == {"avoid"}, url
        sections = page.locator("main section").evaluate_all(
            "elements => elements.map(element => getComputedStyle(element).breakInside)"
        )
        # A handbook section may be longer than a page: handbook.css lets it break inside.
        assert set(sections) <= ({"avoid", "auto"} if "/handbook/" in url else {"avoid"}), url
