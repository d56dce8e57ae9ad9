"""Training managers' pages: courses, modules, lessons, publishing. Doctors get a 403."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from training.models import Course, CourseEvent, Lesson, Module

from ..factories import CourseFactory, LessonFactory, ModuleFactory

MP4 = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64


@pytest.fixture
def draft(manager) -> Course:
    return CourseFactory(slug="fever", status="draft", created_by=manager)


COURSE_DATA = {
    "slug": "pneumonia",
    "title_zh": "婴幼儿肺炎的识别",
    "title_en": "Recognising pneumonia in infants",
    "description_zh": "",
    "description_en": "",
    "credit_hours": "3.5",
    "credit_class": "I",
    "certificate_validity_months": "36",
}


def test_a_manager_creates_a_draft_course(client, manager) -> None:
    client.force_login(manager)
    response = client.post(reverse("training:create_course"), COURSE_DATA)
    assert response.status_code == 302
    assert response["Location"] == reverse("training:manage_course", args=["pneumonia"])
    course = Course.objects.get(slug="pneumonia")
    assert course.status == Course.Status.DRAFT
    assert course.credit_hours == Decimal("3.5")
    assert course.credit_class == "I"
    assert course.created_by == manager
    assert course.is_open is False


def test_a_reserved_slug_is_refused(client, manager) -> None:
    client.force_login(manager)
    response = client.post(reverse("training:create_course"), {**COURSE_DATA, "slug": "new"})
    assert response.status_code == 200
    assert not Course.objects.exists()


@pytest.mark.parametrize(
    "name,args",
    [
        ("training:manage", []),
        ("training:create_course", []),
        ("training:manage_course", ["fever"]),
        ("training:edit_course", ["fever"]),
        ("training:add_module", ["fever"]),
        ("training:enrol_person", ["fever"]),
        ("training:enrol_cohort", ["fever"]),
        ("training:course_progress", ["fever"]),
        ("training:export_progress", ["fever"]),
    ],
)
def test_manager_pages_are_refused_to_doctors(client, doctor, draft, name, args) -> None:
    client.force_login(doctor)
    assert client.get(reverse(name, args=args)).status_code == 403


def test_manager_pages_render_for_a_manager(client, manager, draft) -> None:
    module = ModuleFactory(course=draft)
    lesson = LessonFactory(module=module)
    client.force_login(manager)
    for url in [
        reverse("training:manage"),
        reverse("training:create_course"),
        reverse("training:manage_course", args=["fever"]),
        reverse("training:edit_course", args=["fever"]),
        reverse("training:add_module", args=["fever"]),
        reverse("training:edit_module", args=[module.public_id]),
        reverse("training:add_lesson", args=[module.public_id]),
        reverse("training:edit_lesson", args=[lesson.public_id]),
        reverse("training:enrol_person", args=["fever"]),
        reverse("training:enrol_cohort", args=["fever"]),
        reverse("training:course_progress", args=["fever"]),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
    assert draft.title in client.get(reverse("training:manage")).content.decode()


def test_publish_refuses_a_course_without_lessons(client, manager, draft, english) -> None:
    ModuleFactory(course=draft)
    client.force_login(manager)
    response = client.post(reverse("training:publish_course", args=["fever"]), follow=True)
    assert "Add at least one lesson before publishing the course." in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == Course.Status.DRAFT
    assert not CourseEvent.objects.exists()


def test_publish_a_course_with_a_lesson(client, manager, draft) -> None:
    LessonFactory(module=ModuleFactory(course=draft))
    client.force_login(manager)
    response = client.post(reverse("training:publish_course", args=["fever"]))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == Course.Status.PUBLISHED
    assert draft.published_at is not None
    event = CourseEvent.objects.get()
    assert (event.kind, event.actor, event.from_status, event.to_status) == ("published", manager, "draft", "published")


def test_unpublish_takes_the_course_back_to_draft(client, manager) -> None:
    course = CourseFactory(slug="open", status="published")
    client.force_login(manager)
    client.post(reverse("training:unpublish_course", args=["open"]))
    course.refresh_from_db()
    assert course.status == Course.Status.DRAFT


def test_publishing_is_post_only_and_refused_to_doctors(client, manager, doctor, draft) -> None:
    LessonFactory(module=ModuleFactory(course=draft))
    client.force_login(manager)
    assert client.get(reverse("training:publish_course", args=["fever"])).status_code == 405
    client.force_login(doctor)
    assert client.post(reverse("training:publish_course", args=["fever"])).status_code == 403
    draft.refresh_from_db()
    assert draft.status == Course.Status.DRAFT


def test_a_draft_course_is_404_to_learners(client, doctor, draft) -> None:
    client.force_login(doctor)
    assert client.get(reverse("training:course", args=["fever"])).status_code == 404


def test_add_a_module_and_a_reading_lesson(client, manager, draft) -> None:
    client.force_login(manager)
    response = client.post(
        reverse("training:add_module", args=["fever"]), {"order": 1, "title_zh": "评估", "title_en": "Assessment"}
    )
    assert response.status_code == 302
    module = Module.objects.get(course=draft)
    response = client.post(
        reverse("training:add_lesson", args=[module.public_id]),
        {
            "order": 1,
            "kind": "reading",
            "title_zh": "危险体征",
            "title_en": "Danger signs",
            "video_duration_seconds": 0,
            "reading_markdown_zh": "任何一项一般危险体征都需要紧急转诊。",
            "reading_markdown_en": "Any general danger sign means urgent referral.",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    lesson = Lesson.objects.get(module=module)
    assert lesson.kind == "reading"
    assert lesson.title_en == "Danger signs"


def test_a_video_lesson_needs_a_video_and_its_length(client, manager, draft) -> None:
    module = ModuleFactory(course=draft)
    client.force_login(manager)
    data = {"order": 1, "kind": "video", "title_zh": "视频", "title_en": "Video", "video_duration_seconds": 0}
    response = client.post(reverse("training:add_lesson", args=[module.public_id]), data)
    assert response.status_code == 200
    assert not Lesson.objects.exists()

    upload = SimpleUploadedFile("talk.mp4", MP4, content_type="video/mp4")
    response = client.post(
        reverse("training:add_lesson", args=[module.public_id]),
        {**data, "video_duration_seconds": 600, "video": upload},
    )
    assert response.status_code == 302
    lesson = Lesson.objects.get()
    assert lesson.video_content_type == "video/mp4"
    assert lesson.video.name.endswith(".mp4")


def test_a_file_that_is_not_a_video_is_refused(client, manager, draft) -> None:
    module = ModuleFactory(course=draft)
    client.force_login(manager)
    upload = SimpleUploadedFile("talk.mp4", b"<html>not a video</html>", content_type="video/mp4")
    response = client.post(
        reverse("training:add_lesson", args=[module.public_id]),
        {"order": 1, "kind": "video", "title_zh": "视", "title_en": "V", "video_duration_seconds": 60, "video": upload},
    )
    assert response.status_code == 200
    assert not Lesson.objects.exists()


def test_edit_a_lesson(client, manager, draft) -> None:
    lesson = LessonFactory(module=ModuleFactory(course=draft), title_en="Old")
    client.force_login(manager)
    response = client.post(
        reverse("training:edit_lesson", args=[lesson.public_id]),
        {
            "order": 2,
            "kind": "reading",
            "title_zh": "新",
            "title_en": "New",
            "video_duration_seconds": 0,
            "reading_markdown_zh": "文本",
            "reading_markdown_en": "",
        },
    )
    assert response.status_code == 302
    lesson.refresh_from_db()
    assert (lesson.title_en, lesson.order) == ("New", 2)


def test_a_doctor_cannot_edit_a_lesson(client, doctor, draft) -> None:
    lesson = LessonFactory(module=ModuleFactory(course=draft), title_en="Old")
    client.force_login(doctor)
    response = client.post(reverse("training:edit_lesson", args=[lesson.public_id]), {"title_en": "Hacked"})
    assert response.status_code == 403
    lesson.refresh_from_db()
    assert lesson.title_en == "Old"


def test_the_create_form_rejects_put(client, manager) -> None:
    client.force_login(manager)
    assert client.put(reverse("training:create_course")).status_code == 405
