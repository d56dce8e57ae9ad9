"""Browser test: an editor types Markdown in a handbook draft and presses Preview; the server's
one sanitiser renders it (bold, a list) and a script or an event handler in the text is
neither run nor shown as markup (issue 12)."""

from __future__ import annotations

import pytest
from django.test import Client
from playwright.sync_api import Page, expect

from cloudpeds.accounts.models import Role
from tests.factories import HospitalFactory, UserFactory
from tests.handbook.conftest import write_draft

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MARKDOWN = (
    "**Refer at once** if any danger sign\n\n"
    "- cannot drink\n"
    "- convulsions\n\n"
    "<script>window.pwned = 'script'</script>\n\n"
    '<img src="x" onerror="window.pwned = \'img\'">'
)


@pytest.fixture
def editor(transactional_db):
    xinhua = HospitalFactory(code="xinhua", name_zh="新华医院", name_en="Xinhua Hospital", level="lead")
    return UserFactory(username="editor.e2e", hospital=xinhua, roles=[Role.HANDBOOK_EDITOR], preferred_language="en")


def _signed_in(page: Page, base: str, user) -> None:
    # Editors have no two-factor requirement; a session from the test client is enough.
    client = Client()
    client.force_login(user)
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base}])


def test_the_preview_shows_sanitised_markdown_and_runs_no_script(live_server, editor, page: Page):
    version = write_draft(editor, "otitis", ("中耳炎", "Ear infection"))
    _signed_in(page, live_server.url, editor)
    page.goto(f"{live_server.url}/handbook/topics/otitis/v/{version.number}/edit/")

    textarea = page.locator("textarea[name$='-body_en']").first
    textarea.fill(MARKDOWN)
    textarea.locator("xpath=ancestor::div[contains(@class, 'col-md-6')][1]").get_by_test_id("preview-button").click()

    preview = page.get_by_test_id("markdown-preview")
    expect(preview.locator("strong")).to_have_text("Refer at once")
    expect(preview.locator("li")).to_have_count(2)
    assert preview.locator("script, img, [onerror]").count() == 0
    assert "<script" not in preview.inner_text()
    assert page.evaluate("window.pwned") is None
    # Nothing was saved by previewing: the draft keeps its text.
    assert MARKDOWN not in set(version.sections.values_list("body_en", flat=True))
