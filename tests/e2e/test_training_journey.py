"""Browser journey: dr.chongming enrols in the pneumonia course, reads its last lesson, sits
the exam (answers saved as he clicks), passes, downloads his certificate, and the public
verification page says it is valid.

The demo enrolled dr.chongming in the course already: the test removes that enrolment so
that he enrols himself. The lessons other than the one read here are marked done directly
(their own tests drive them); the reading's clock is moved back rather than waited for.
"""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Page, expect

from cloudpeds.accounts.models import User
from tests.e2e.conftest import pass_two_factor
from training.models import Attempt, Certificate, Course, Enrolment, LessonProgress

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SLUG = "pneumonia-in-infants"


@pytest.fixture
def demo(transactional_db):
    call_command("seed_demo", stdout=io.StringIO())
    # dr.chongming was enrolled by the trainer in the demo: here he enrols himself.
    Enrolment.objects.filter(course__slug=SLUG, user__username="dr.chongming").delete()


def sign_in(page: Page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", username)
    page.fill("input[name=password]", password)
    page.get_by_test_id("sign-in").click()
    pass_two_factor(page, username)
    expect(page).to_have_url(f"{base}/")


def test_a_doctor_enrols_learns_passes_the_exam_and_verifies_the_certificate(
    live_server, demo, page: Page, settings, tmp_path
):
    base = live_server.url
    learner = User.objects.get(username="dr.chongming")
    course = Course.objects.get(slug=SLUG)
    sign_in(page, base, "dr.chongming", settings.DEMO_PASSWORD)

    # Enrol.
    page.goto(f"{base}/training/courses/{SLUG}/")
    page.locator(f"form[action='/training/courses/{SLUG}/enrol/'] button").click()
    enrolment = Enrolment.objects.get(course=course, user=learner)
    expect(page.get_by_test_id("progress")).to_be_visible()
    panel = page.get_by_test_id("exam-panel")
    expect(panel).to_have_attribute("data-state", "locked")

    # Every lesson but the last reading is done already; read that one.
    lessons = list(course.lessons())
    reading = [lesson for lesson in lessons if lesson.kind == "reading"][-1]
    now = timezone.now()
    for lesson in lessons:
        if lesson != reading:
            LessonProgress.objects.create(
                enrolment=enrolment,
                lesson=lesson,
                video_completed_at=now if lesson.has_video else None,
                reading_completed_at=now if lesson.has_reading else None,
                completed_at=now,
            )
    page.goto(f"{base}{reading.get_absolute_url()}")
    expect(page.locator("form[data-reading-form] button")).to_be_visible()
    # The learner has had the page open for a while (instead of waiting here for it).
    LessonProgress.objects.filter(enrolment=enrolment, lesson=reading).update(
        reading_opened_at=timezone.now() - timedelta(minutes=10)
    )
    page.reload()
    page.locator("form[data-reading-form] button").click()
    expect(page.get_by_test_id("lesson-complete")).to_be_visible()
    enrolment.refresh_from_db()
    assert enrolment.is_complete

    # The exam opens; start it.
    page.goto(f"{base}/training/courses/{SLUG}/")
    expect(page.get_by_test_id("exam-panel")).to_have_attribute("data-state", "can_start")
    page.get_by_test_id("exam-start").click()
    attempt = Attempt.objects.get(exam__course=course, user=learner)
    expect(page).to_have_url(f"{base}{attempt.get_absolute_url()}")
    expect(page.get_by_test_id("countdown")).to_have_text(_minutes_left_pattern())
    questions = page.get_by_test_id("question")
    expect(questions).to_have_count(attempt.items.count())

    # A save that cannot reach the server says so, visibly; the next one clears the warning.
    page.context.set_offline(True)
    page.locator("#q1-o0").check()
    expect(page.get_by_test_id("save-warning")).to_be_visible()
    page.context.set_offline(False)

    # Answer every question correctly; each answer is saved as it is clicked.
    for item in attempt.items.select_related("question").prefetch_related("question__choices").order_by("position"):
        key = item.question.correct_choice_ids()
        for index, pk in enumerate(item.choice_order):
            option = page.locator(f"#q{item.position}-o{index}")
            if pk in key:
                option.check()
            elif item.question.kind == "multiple" and option.is_checked():
                # The option ticked while offline above, when question 1 takes several answers
                # (a radio button cannot be unticked: ticking the right one replaces it).
                option.uncheck()
        expect(page.locator(f"#status-{item.position}").get_by_test_id("saved")).to_be_visible()
    assert all(item.selected for item in attempt.items.all())
    expect(page.get_by_test_id("save-warning")).to_be_hidden()

    # A reload continues the same attempt with the answers kept.
    page.reload()
    expect(page.locator("input[name=option]:checked")).to_have_count(
        sum(len(item.selected) for item in attempt.items.all())
    )

    # The navigator shows every question answered; question 2 is flagged for review.
    total = attempt.items.count()
    expect(page.locator("[data-testid=nav-button][data-answered=true]")).to_have_count(total)
    expect(page.get_by_test_id("answered-count").first).to_contain_text(f"已答 {total} 题，共 {total} 题")
    page.locator("#flag-2").get_by_test_id("flag").click()
    expect(page.locator("#nav-2")).to_have_attribute("data-flagged", "true")
    assert attempt.items.get(position=2).flagged

    # Finishing goes through the summary of the attempt: nothing is submitted until it is confirmed.
    page.get_by_test_id("exam-finish").click()
    expect(page.get_by_test_id("summary-flagged")).to_contain_text("2")
    expect(page.get_by_test_id("summary-unanswered")).to_have_count(0)
    attempt.refresh_from_db()
    assert attempt.status == "open"
    page.get_by_test_id("exam-submit").click()
    expect(page.get_by_test_id("exam-result")).to_have_attribute("data-passed", "true")
    attempt.refresh_from_db()
    assert (attempt.status, attempt.passed, attempt.score_percent) == ("submitted", True, 100)

    # The certificate: prepared (by the task, here in-process), then downloaded.
    page.get_by_test_id("certificate-link").click()
    certificate = Certificate.objects.get(course=course, holder=learner)
    expect(page.get_by_test_id("cert-holder")).to_have_text("陈建国")
    expect(page.get_by_test_id("cert-pdf-panel")).to_have_attribute("data-state", "ready", timeout=20_000)
    with page.expect_download() as download_info:
        page.get_by_test_id("cert-download").click()
    saved = tmp_path / "certificate.pdf"
    download_info.value.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF-")
    assert download_info.value.suggested_filename == f"certificate-{certificate.code}.pdf"

    # Anyone can verify it, without signing in.
    page.context.clear_cookies()
    page.goto(f"{base}/certificates/verify/{certificate.code}/")
    expect(page.get_by_test_id("verify-status")).to_have_attribute("data-state", "valid")
    expect(page.get_by_test_id("verify-holder")).to_have_text("陈建国")


def _minutes_left_pattern():
    import re

    # The countdown runs from the server's deadline: 19 or 20 minutes left just after starting.
    return re.compile(r"^(19|20):\d\d$")
