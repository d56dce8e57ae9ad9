"""Browser: sanitised people's HTML sits in an hx-disable container, so that even if the
sanitiser let an htmx attribute through, the browser would not act on it (the attack of issue
11: an editor's `hx-post` to /notifications/read-all/ with `hx-trigger="load"`)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from cloudpeds.accounts.roles import Role
from cloudpeds.core import text
from cloudpeds.notifications.models import Notification
from tests.factories import PASSWORD, HospitalFactory, NotificationFactory, UserFactory
from tests.handbook.conftest import publish_topic

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ATTACK = '<div id="attack" hx-post="/notifications/read-all/" hx-trigger="load" hx-swap="none">attack</div>'


@pytest.fixture
def people(transactional_db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    xinhua = HospitalFactory(code="xinhua", name_zh="新华医院", name_en="Xinhua", level="lead")
    yangpu = HospitalFactory(code="yangpu", name_zh="杨浦区中心医院", name_en="Yangpu")
    editor = UserFactory(username="editor", hospital=xinhua, roles=[Role.HANDBOOK_EDITOR])
    editor2 = UserFactory(username="editor2", hospital=xinhua, roles=[Role.HANDBOOK_EDITOR])
    doctor = UserFactory(username="dr.hx", hospital=yangpu, roles=[Role.GRASSROOTS_DOCTOR])
    return editor, editor2, doctor


def test_htmx_ignores_attributes_inside_peoples_text_even_past_the_sanitiser(
    live_server, people, page: Page, monkeypatch
):
    editor, editor2, doctor = people
    # A sanitiser bug, simulated: the attack reaches the page as markup.
    monkeypatch.setattr(text, "sanitise_html", lambda html: html)
    publish_topic(editor2, editor, "fever", ("发热", "Fever"), sections={"management": (ATTACK, ATTACK)})
    for _ in range(3):
        NotificationFactory(recipient=doctor)

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", doctor.username)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_test_id("sign-in").click()
    expect(page).to_have_url(f"{live_server.url}/")
    posts = []
    page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)
    page.goto(f"{live_server.url}/handbook/topics/fever/")

    attack = page.locator("#attack").first
    expect(attack).to_be_attached()  # the markup is in the page...
    assert attack.evaluate("element => element.closest('[hx-disable]') !== null")
    page.wait_for_timeout(1000)  # ...but htmx, which would fire on load, does nothing with it
    assert not [url for url in posts if "read-all" in url]
    assert Notification.objects.filter(recipient=doctor, read_at__isnull=True).count() == 3
