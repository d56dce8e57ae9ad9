"""Browser journey of a referral, both ways: dr.yangpu refers a child up to Xinhua;
admin.xinhua (password, then the TOTP code from the demo secret) approves it with a bed and
confirms the arrival; spec.resp discharges the child with a down-referral and follow-ups;
dr.yangpu acknowledges the down-referral."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from cloudpeds.accounts.models import Department
from cloudpeds.patients.models import Patient
from referrals.models import BedReservation, Referral, Status
from tests.e2e.conftest import pass_two_factor

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Issue 12: the journey also runs on a 390 × 844 phone, as district doctors use the portal.
PHONE = {"width": 390, "height": 844}

CHILD = "YP2025000107"  # 赵一鸣: a Yangpu child with consent and no open referral in the demo


@pytest.fixture
def demo(transactional_db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo", stdout=io.StringIO())


def _sign_in(browser: Browser, base: str, username: str, password: str, *, viewport: dict | None = None) -> Page:
    context = browser.new_context(
        locale="zh-CN", timezone_id="Asia/Shanghai", **({"viewport": viewport} if viewport else {})
    )
    page = context.new_page()
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", username)
    page.fill("input[name=password]", password)
    page.get_by_test_id("sign-in").click()
    # Every demo account of this journey sees patient data and so has two-factor.
    pass_two_factor(page, username)
    page.wait_for_url(f"{base}/")
    return page


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_a_child_goes_up_to_xinhua_and_comes_back_down(live_server, demo, page: Page, settings, viewport):
    base = live_server.url
    password = settings.DEMO_PASSWORD
    browser = page.context.browser
    child = Patient.objects.get(record_number=CHILD)
    respiratory = Department.objects.get(hospital__code="xinhua", specialty="respiratory")

    # 1. dr.yangpu requests the transfer up.
    doctor = _sign_in(browser, base, "dr.yangpu", password, viewport=viewport)
    doctor.goto(f"{base}/referrals/new/?q={child.record_number}")
    doctor.get_by_test_id("refer").first.click()
    doctor.check("input[name=direction][value=up]")
    doctor.select_option("select[name=receiving_hospital]", str(respiratory.hospital_id))
    doctor.select_option("select[name=receiving_department]", str(respiratory.pk))
    doctor.check("input[name=urgency][value=urgent]")
    doctor.select_option("select[name=reason]", "not_improving")
    doctor.fill("#diagnosis-search", "J45")
    doctor.locator("[data-diagnosis-pick]").first.click()
    expect(doctor.locator("select[name=diagnosis] option:checked")).to_contain_text("J45")
    doctor.fill("textarea[name=clinical_summary]", "哮喘急性发作，雾化3次后仍喘息，三凹征阳性")
    doctor.fill("input[name=spo2]", "91")
    doctor.check("input[name=transport][value=ambulance]")
    doctor.get_by_test_id("send-request").click()
    expect(doctor.get_by_test_id("status")).to_be_visible()
    referral = Referral.objects.get(patient=child, status=Status.REQUESTED)
    assert doctor.url.endswith(referral.get_absolute_url())

    # 2. admin.xinhua (two-factor) finds it in the queue and approves it with a bed.
    admin = _sign_in(browser, base, "admin.xinhua", password, viewport=viewport)
    admin.goto(f"{base}/referrals/")
    expect(admin.get_by_test_id("queue")).to_contain_text(child.name)
    admin.get_by_role("link", name=child.name).click()
    admin.get_by_test_id("approve").click()
    admin.wait_for_url(f"{base}/referrals/queue/")
    referral.refresh_from_db()
    assert referral.status == Status.APPROVED
    assert BedReservation.objects.active().filter(referral=referral, department=respiratory).exists()

    # 3. The child arrives: the handover is confirmed on the receiving side.
    admin.goto(f"{base}{referral.get_absolute_url()}")
    expect(admin.get_by_test_id("reservation")).to_be_visible()
    admin.get_by_test_id("confirm-arrival").click()
    expect(admin.get_by_test_id("confirm-arrival")).to_have_count(0)
    referral.refresh_from_db()
    assert referral.status == Status.ARRIVED

    # 4. spec.resp discharges the child with a down-referral and its follow-up plan.
    specialist = _sign_in(browser, base, "spec.resp", password, viewport=viewport)
    specialist.goto(f"{base}{referral.get_absolute_url()}")
    specialist.get_by_test_id("refer-down").click()
    specialist.fill("textarea[name=discharge_summary]", "哮喘急性发作好转，出院继续吸入治疗")
    specialist.fill("textarea[name=medicines]", "布地奈德福莫特罗 每日2次")
    specialist.fill("input[name='follow_up-2-description']", "肺功能复查")
    in_three_months = (timezone.localdate() + timedelta(days=90)).isoformat()
    specialist.fill("input[name='follow_up-2-due_on']", in_three_months)
    specialist.get_by_test_id("send-down-referral").click()
    expect(specialist.get_by_test_id("follow-ups")).to_contain_text("肺功能复查")
    down = Referral.objects.get(up_referral=referral)
    assert down.status == Status.SENT and down.follow_ups.count() == 3
    referral.refresh_from_db()
    assert referral.status == Status.DISCHARGED

    # 5. dr.yangpu acknowledges the down-referral and takes over the follow-up.
    doctor.goto(f"{base}{referral.get_absolute_url()}")
    doctor.get_by_test_id("down-referral-link").click()
    expect(doctor.get_by_test_id("discharge-summary")).to_contain_text("哮喘急性发作好转")
    doctor.get_by_test_id("acknowledge").click()
    expect(doctor.get_by_test_id("acknowledge")).to_have_count(0)
    down.refresh_from_db()
    assert down.status == Status.ACKNOWLEDGED
    assert down.acknowledged_by.username == "dr.yangpu"
