"""Browser journey of a consultation: dr.yangpu asks about a febrile newborn with a photo;
spec.resp takes the case and asks for the SpO2; dr.yangpu answers; spec.resp answers "manage
locally"; dr.yangpu closes it with feedback; both download the report.

One browser context per person. Elements are found by name, id, form action or data-testid,
never by their (translated) text."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from PIL import Image, ImageDraw
from playwright.sync_api import Browser, Page, expect

from cloudpeds.accounts.models import Department
from cloudpeds.attachments.models import Attachment
from cloudpeds.audit.models import AccessEvent
from cloudpeds.patients.models import Patient
from consultations.models import Consultation, ConsultationReport, Status
from tests.e2e.conftest import pass_two_factor

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Issue 12: the journey also runs on a 390 × 844 phone, as district doctors use the portal.
PHONE = {"width": 390, "height": 844}

CHILD = "YP2025000102"  # 李欣怡: a Yangpu newborn with the guardian's consent
QUESTION = "生后5天新生儿发热38.6℃，吃奶减少，脐周红肿，是否需要转上级医院？"
# The report is made by a WeasyPrint task in the live server's thread: give it time.
REPORT_TIMEOUT_MS = 60_000


@pytest.fixture
def demo(transactional_db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo", stdout=io.StringIO())


@pytest.fixture(autouse=True)
def eager_celery():
    """The report task runs in-process. Without REDIS_URL it does already; with it (CI) the
    task would go to a broker that no worker reads."""
    from cloudpeds.celery import app

    before = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = before


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    """A phone photo of a reddened umbilicus, made with Pillow."""
    image = Image.new("RGB", (800, 600), (224, 180, 158))
    draw = ImageDraw.Draw(image)
    draw.ellipse([300, 200, 500, 400], fill=(205, 90, 85))
    draw.ellipse([370, 270, 430, 330], fill=(150, 70, 60))
    path = tmp_path / "脐部.jpg"
    image.save(path, "JPEG", quality=90)
    return path


def _sign_in(browser: Browser, base: str, username: str, password: str, *, viewport: dict | None = None) -> Page:
    context = browser.new_context(
        locale="zh-CN", timezone_id="Asia/Shanghai", **({"viewport": viewport} if viewport else {})
    )
    page = context.new_page()
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", username)
    page.fill("input[name=password]", password)
    page.get_by_test_id("sign-in").click()
    pass_two_factor(page, username)
    page.wait_for_url(f"{base}/")
    return page


def _download_report(page: Page, case_url: str, *, prepare: bool) -> bytes:
    page.goto(case_url)
    panel = page.locator("#report-panel-body")
    if prepare:
        expect(panel).to_have_attribute("data-state", "not_requested")
        panel.locator("form[action$='/report/'] button[type=submit]").click()
    expect(page.get_by_test_id("report-panel")).to_have_attribute("data-state", "ready", timeout=REPORT_TIMEOUT_MS)
    with page.expect_download() as download:
        page.get_by_test_id("report-download").click()
    return Path(download.value.path()).read_bytes()


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_a_febrile_newborn_is_asked_about_answered_and_closed(live_server, demo, page: Page, settings, viewport, photo):
    base = live_server.url
    password = settings.DEMO_PASSWORD
    browser = page.context.browser
    child = Patient.objects.get(record_number=CHILD)
    respiratory = Department.objects.get(hospital__code="xinhua", specialty="respiratory")

    # 1. dr.yangpu starts from the child's page and sends the case with a photo.
    doctor = _sign_in(browser, base, "dr.yangpu", password, viewport=viewport)
    doctor.goto(f"{base}/patients/{child.public_id}/")
    doctor.get_by_test_id("ask-specialist").click()
    doctor.select_option("select[name=department]", str(respiratory.pk))
    doctor.check("input[name=urgency][value=urgent]")
    doctor.fill("textarea[name=question]", QUESTION)
    doctor.fill("textarea[name=history]", "今晨起发热，体温最高38.6℃，吃奶量减少约一半，脐周皮肤发红。")
    doctor.fill("textarea[name=symptoms]", "发热、吃奶减少、脐周红肿")
    doctor.fill("input[name=symptom_duration]", "1天")
    doctor.fill("input[name=temperature_c]", "38.6")
    doctor.fill("input[name=heart_rate]", "168")
    doctor.fill("input[name=respiratory_rate]", "52")
    doctor.fill("input[name=weight_kg]", "2.95")
    doctor.set_input_files("input[name=attachments]", str(photo))
    doctor.click("button[name=action][value=submit]")
    expect(doctor.get_by_test_id("question")).to_have_text(QUESTION)
    expect(doctor.get_by_test_id("files")).to_be_visible()
    consultation = Consultation.objects.get(patient=child, question=QUESTION)
    assert consultation.status == Status.SUBMITTED and consultation.urgency == "urgent"
    assert Attachment.objects.for_source(consultation).get().kind == Attachment.Kind.PHOTO
    case_url = f"{base}{consultation.get_absolute_url()}"
    assert doctor.url == case_url

    # 2. spec.resp takes the case and asks for the SpO2.
    specialist = _sign_in(browser, base, "spec.resp", password, viewport=viewport)
    specialist.goto(case_url)
    specialist.locator("#specialist-actions form[action$='/claim/'] button[type=submit]").click()
    info_form = specialist.locator("#specialist-actions form[action$='/request-info/']")
    specialist.locator("#specialist-actions details:has(form[action$='/request-info/']) > summary").click()
    info_form.locator("textarea[name='info-question']").fill(
        "请在安静、不吸氧时测量经皮血氧饱和度（SpO2），并告知呼吸频率。"
    )
    info_form.locator("button[type=submit]").click()
    expect(specialist.get_by_test_id("paused")).to_be_visible()
    consultation.refresh_from_db()
    assert consultation.status == Status.INFO_REQUESTED
    assert consultation.assigned_to.username == "spec.resp"

    # 3. dr.yangpu gives it.
    doctor.goto(case_url)
    expect(doctor.get_by_test_id("info-request")).to_contain_text("SpO2")
    provide = doctor.locator("form[action$='/information/']")
    provide.locator("textarea[name=answer]").fill("安静不吸氧SpO2 97%，呼吸频率50次/分，无三凹征。")
    provide.locator("button[type=submit]").click()
    expect(doctor.get_by_test_id("info-request")).to_have_count(0)
    consultation.refresh_from_db()
    assert consultation.status == Status.CLAIMED and consultation.paused_total.total_seconds() > 0

    # 4. spec.resp answers: manage locally, with a plan and advice for the family.
    specialist.goto(case_url)
    answer = specialist.locator("#specialist-actions form[action$='/answer/']")
    answer.locator("textarea[name='answer-assessment']").fill("新生儿发热伴脐炎可能，目前生命体征平稳，SpO2正常。")
    answer.locator("input[name='answer-recommendation'][value=manage_locally]").check()
    answer.locator("textarea[name='answer-plan']").fill(
        "完善血常规、CRP及血培养；脐部消毒，头孢噻肟静滴；24小时内复评。"
    )
    answer.locator("textarea[name='answer-family_advice']").fill(
        "保持脐部干燥，按需喂养，如吃奶进一步减少或精神差立即就诊。"
    )
    answer.locator("input[name='answer-follow_up_days']").fill("2")
    answer.locator("button[type=submit]").click()
    expect(specialist.get_by_test_id("recommendation")).to_be_visible()
    consultation.refresh_from_db()
    assert consultation.status == Status.ANSWERED and consultation.recommendation == "manage_locally"

    # 5. dr.yangpu closes it with feedback.
    doctor.goto(case_url)
    close = doctor.locator("form[action$='/close/']")
    close.locator("input[name=advice_adopted][value=fully]").check()
    close.locator("input[name=referral_avoided][value=yes]").check()
    close.locator("input[name=usefulness][value='5']").check()
    close.locator("button[type=submit]").click()
    expect(doctor.get_by_test_id("feedback")).to_be_visible()

    # 6. Both download the report of the closed case.
    first = _download_report(doctor, case_url, prepare=True)
    second = _download_report(specialist, case_url, prepare=False)
    assert first.startswith(b"%PDF") and second == first

    consultation.refresh_from_db()
    assert consultation.status == Status.CLOSED
    assert (consultation.advice_adopted, consultation.referral_avoided, consultation.usefulness) == ("fully", True, 5)
    report = ConsultationReport.objects.get(consultation=consultation)
    assert report.status_at_generation == Status.CLOSED
    downloads = AccessEvent.objects.filter(
        action=AccessEvent.Action.DOWNLOAD, object_type="consultations.consultationreport", object_id=str(report.pk)
    )
    assert sorted(downloads.values_list("user__username", flat=True)) == ["dr.yangpu", "spec.resp"]
    assert list(consultation.events.values_list("kind", flat=True)) == [
        "submitted",
        "claimed",
        "info_requested",
        "info_provided",
        "answered",
        "closed",
    ]
