"""Reading lessons: sanitised Markdown, the handbook topic they cite, "I have read this"."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from cloudpeds.accounts.roles import Role
from training.models import Enrolment, Lesson, LessonProgress, TrainingError
from training.models.courses import READING_MAX_SECONDS, READING_MIN_SECONDS

from ..factories import EnrolmentFactory, LessonFactory, TopicVersionFactory, UserFactory


@pytest.fixture
def lesson(db) -> Lesson:
    return LessonFactory(
        reading_markdown_zh=(
            "**危险体征**\n\n<script>alert(1)</script>\n\n[链接](javascript:alert(1)) <img src=x onerror=alert(1)>"
        ),
        reading_markdown_en="**Danger signs**",
    )


@pytest.fixture
def enrolment(lesson) -> Enrolment:
    return EnrolmentFactory(course=lesson.module.course, user=UserFactory(roles=[Role.GRASSROOTS_DOCTOR]))


def test_the_reading_is_rendered_and_sanitised(client, lesson, enrolment) -> None:
    client.force_login(enrolment.user)
    page = client.get(reverse("training:lesson", args=[lesson.public_id])).content.decode()
    assert "<strong>危险体征</strong>" in page
    assert "alert(1)</script>" not in page
    assert "javascript:" not in page
    assert "onerror" not in page


def test_the_english_reading_falls_back_to_chinese_when_missing(db) -> None:
    from django.utils import translation

    lesson = LessonFactory(reading_markdown_zh="中文内容", reading_markdown_en="")
    with translation.override("en"):
        assert "中文内容" in lesson.reading_html()


def test_a_cited_handbook_topic_is_linked_by_its_version_title(client, lesson, enrolment) -> None:
    version = TopicVersionFactory(
        topic__slug="fever-under-5", status="published", title_zh="5岁以下儿童发热", title_en="Fever in under 5s"
    )
    lesson.handbook_topic_version = version
    lesson.save()
    client.force_login(enrolment.user)
    page = client.get(reverse("training:lesson", args=[lesson.public_id])).content.decode()
    assert reverse("handbook:topic", args=["fever-under-5"]) in page
    assert "5岁以下儿童发热" in page


def test_a_cited_draft_version_is_not_shown(client, lesson, enrolment) -> None:
    lesson.handbook_topic_version = TopicVersionFactory(topic__slug="draft-topic", title_zh="草稿主题")
    lesson.save()
    client.force_login(enrolment.user)
    page = client.get(reverse("training:lesson", args=[lesson.public_id])).content.decode()
    assert "草稿主题" not in page


def test_the_time_required_grows_with_the_text_within_bounds(db) -> None:
    # The reading shown (and timed) is the one in the reader's language: Chinese here.
    with translation.override("zh-hans"):
        assert LessonFactory(reading_markdown_zh="短").reading_seconds_required() == READING_MIN_SECONDS
        assert LessonFactory(reading_markdown_zh="字" * 800).reading_seconds_required() == 60
        assert LessonFactory(reading_markdown_zh="字" * 100_000).reading_seconds_required() == READING_MAX_SECONDS


def test_confirming_too_soon_is_refused_then_accepted(lesson, enrolment) -> None:
    progress = enrolment.progress_for(lesson)
    opened = timezone.now()
    progress.open(opened)
    with pytest.raises(TrainingError):
        progress.confirm_reading(opened + timedelta(seconds=READING_MIN_SECONDS - 1))
    progress.refresh_from_db()
    assert progress.completed_at is None
    progress.confirm_reading(opened + timedelta(seconds=READING_MIN_SECONDS))
    progress.refresh_from_db()
    assert progress.reading_completed_at is not None
    assert progress.completed_at is not None


def test_reopening_the_page_does_not_restart_the_reading_clock(lesson, enrolment) -> None:
    progress = enrolment.progress_for(lesson)
    opened = timezone.now() - timedelta(minutes=5)
    progress.open(opened)
    progress.open(timezone.now())
    progress.refresh_from_db()
    assert progress.reading_opened_at == opened


def test_the_read_button_view(client, lesson, enrolment) -> None:
    client.force_login(enrolment.user)
    url = reverse("training:confirm_reading", args=[lesson.public_id])
    client.get(reverse("training:lesson", args=[lesson.public_id]))
    response = client.post(url)  # straight away: too soon
    assert response.status_code == 302
    progress = LessonProgress.objects.get(enrolment=enrolment)
    assert progress.reading_completed_at is None

    LessonProgress.objects.filter(pk=progress.pk).update(reading_opened_at=timezone.now() - timedelta(minutes=2))
    response = client.post(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("training:lesson", args=[lesson.public_id])
    progress.refresh_from_db()
    assert progress.completed_at is not None
    enrolment.refresh_from_db()
    assert enrolment.completed_at is not None


def test_the_read_button_is_post_only_and_404_for_others(client, lesson, enrolment) -> None:
    url = reverse("training:confirm_reading", args=[lesson.public_id])
    client.force_login(enrolment.user)
    assert client.get(url).status_code == 405
    client.force_login(UserFactory(roles=[Role.GRASSROOTS_DOCTOR]))
    assert client.post(url).status_code == 404
