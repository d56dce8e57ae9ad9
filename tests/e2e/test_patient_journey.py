"""Browser journey: dr.yangpu registers a child, uploads a photo, sees it on the patient page."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from PIL import Image
from playwright.sync_api import Page, expect

from cloudpeds.attachments.models import Attachment
from cloudpeds.patients.models import Patient
from tests.e2e.conftest import pass_two_factor

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(transactional_db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo", stdout=io.StringIO())


@pytest.fixture
def rash_photo(tmp_path):
    path = tmp_path / "rash.jpg"
    image = Image.new("RGB", (640, 480), (236, 200, 190))
    for x in range(200, 440, 12):
        for y in range(150, 330, 12):
            image.paste((200, 60, 60), (x, y, x + 6, y + 6))
    image.save(path, "JPEG", quality=90)
    return path


def test_doctor_registers_a_child_and_attaches_a_photo(live_server, demo, rash_photo, page: Page, settings):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", "dr.yangpu")
    page.fill("input[name=password]", settings.DEMO_PASSWORD)
    page.get_by_test_id("sign-in").click()
    pass_two_factor(page, "dr.yangpu")
    expect(page).to_have_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/patients/new/")
    page.fill("#id_name", "林小雨")
    page.select_option("#id_sex", "female")
    page.fill("#id_date_of_birth", "2024-03-15")
    page.fill("#id_record_number", "YP-E2E-001")
    page.fill("#id_guardians-0-name", "林芳")
    page.select_option("#id_guardians-0-relation", "mother")
    page.fill("#id_guardians-0-phone", "13800009001")
    page.locator("main form button[type=submit]").click()

    expect(page.get_by_test_id("patient-name")).to_have_text("林小雨")
    patient = Patient.objects.get(record_number="YP-E2E-001")
    assert patient.hospital.code == "yangpu"

    files = page.locator("#patient-files-" + str(patient.public_id))
    expect(files.get_by_test_id("no-files")).to_be_visible()
    files.locator("input[type=file]").set_input_files(str(rash_photo))
    files.locator("select[name=kind]").select_option("photo")
    files.locator("input[name=description]").fill("躯干皮疹，发热第二天出现")
    files.locator("button[type=submit]").click()

    grid = page.get_by_test_id("image-grid")
    expect(grid.locator("img")).to_have_count(1)
    attachment = Attachment.objects.get(patient=patient)
    thumbnail = grid.locator("img").first
    expect(thumbnail).to_have_attribute("src", f"/files/{attachment.public_id}/thumbnail/")
    thumbnail.evaluate("img => img.decode()")
    assert thumbnail.evaluate("img => img.naturalWidth") > 0
    assert attachment.content_type == "image/jpeg"
    assert attachment.uploaded_by.username == "dr.yangpu"

    # Reloading the patient page shows the photo again (not just the htmx response).
    page.reload()
    expect(page.get_by_test_id("image-grid").locator("img")).to_have_count(1)
    expect(page.locator("main")).to_contain_text("躯干皮疹，发热第二天出现")
