"""Browser journey: dr.yangpu signs in, sees the home page in Chinese, switches to English."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from tests.e2e.conftest import pass_two_factor

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(transactional_db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo", stdout=io.StringIO())


def test_doctor_signs_in_sees_chinese_and_switches_to_english(live_server, demo, page: Page, settings):
    page.goto(f"{live_server.url}/")

    # Not signed in: the sign-in page, in Chinese.
    expect(page.locator("h1")).to_have_text("登录")
    page.fill("input[name=login]", "dr.yangpu")
    page.fill("input[name=password]", settings.DEMO_PASSWORD)
    page.get_by_test_id("sign-in").click()
    pass_two_factor(page, "dr.yangpu")

    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.get_by_test_id("role")).to_have_text("基层医生")
    expect(page.locator("h1")).to_contain_text("王丽")

    page.locator("#language-menu").click()
    page.get_by_role("button", name="English").click()

    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_test_id("role")).to_have_text("Grassroots doctor")
    expect(page.locator("h1")).to_contain_text("Welcome")

    # The choice is kept on the account: a new browser context gets English after sign-in.
    context = page.context.browser.new_context(locale="zh-CN")
    other = context.new_page()
    other.goto(f"{live_server.url}/accounts/login/")
    other.fill("input[name=login]", "dr.yangpu")
    other.fill("input[name=password]", settings.DEMO_PASSWORD)
    other.get_by_test_id("sign-in").click()
    pass_two_factor(other, "dr.yangpu")
    expect(other.locator("html")).to_have_attribute("lang", "en")
    context.close()
