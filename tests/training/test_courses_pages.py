"""The learner's pages: my courses (training:index), a course, a lesson, one enrolment."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cloudpeds.accounts.roles import Role
from training.models import Course, Enrolment, Lesson, LessonProgress

from ..factories import CourseFactory, EnrolmentFactory, LessonFactory, ModuleFactory, UserFactory


@pytest.fixture
def course(db) -> Course:
    course = CourseFactory(slug="fever", title_zh="发热儿童的规范化管理", title_en="Managing fever")
    module = ModuleFactory(course=course, order=1)
    for order in range(1, 5):
        LessonFactory(module=module, order=order, title_en=f"Lesson {order}")
    return course


@pytest.fixture
def learner(db):
    return UserFactory(username="learner", roles=[Role.GRASSROOTS_DOCTOR])


@pytest.fixture
def enrolment(course, learner) -> Enrolment:
    enrolment = EnrolmentFactory(course=course, user=learner)
    lesson = course.lessons().first()
    LessonProgress.objects.create(enrolment=enrolment, lesson=lesson, completed_at="2026-01-01T00:00Z")
    return enrolment


def test_my_courses_show_progress_bars(client, learner, enrolment) -> None:
    client.force_login(learner)
    response = client.get(reverse("training:index"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "发热儿童的规范化管理" in page
    assert 'value="25"' in page  # one of four lessons
    assert response.context["enrolments"][0].progress_percent == 25


def test_the_index_lists_open_courses_to_join(client, learner, enrolment) -> None:
    CourseFactory(slug="open-one", title_zh="开放课程", is_open=True)
    CourseFactory(slug="closed-one", title_zh="不开放课程", is_open=False)
    CourseFactory(slug="draft-open", title_zh="草稿课程", is_open=True, status="draft")
    client.force_login(learner)
    page = client.get(reverse("training:index")).content.decode()
    assert "开放课程" in page
    assert "不开放课程" not in page
    assert "草稿课程" not in page


def test_the_index_is_get_only(client, learner) -> None:
    client.force_login(learner)
    assert client.post(reverse("training:index")).status_code == 405


def test_the_course_page_shows_lessons_done_and_progress(client, learner, enrolment, course) -> None:
    client.force_login(learner)
    response = client.get(reverse("training:course", args=["fever"]))
    assert response.status_code == 200
    assert response.context["enrolment"].progress_percent == 25
    assert len(response.context["done"]) == 1
    assert 'value="25"' in response.content.decode()


def test_the_lesson_page_opens_progress_for_the_enrolled_learner(client, learner, enrolment, course) -> None:
    lesson = course.lessons().last()
    client.force_login(learner)
    response = client.get(reverse("training:lesson", args=[lesson.public_id]))
    assert response.status_code == 200
    progress = LessonProgress.objects.get(enrolment=enrolment, lesson=lesson)
    assert progress.reading_opened_at is not None
    assert progress.last_seen_at is not None


def test_a_lesson_of_a_course_one_is_not_enrolled_in_is_404(client, course) -> None:
    client.force_login(UserFactory(roles=[Role.GRASSROOTS_DOCTOR]))
    lesson = course.lessons().first()
    assert client.get(reverse("training:lesson", args=[lesson.public_id])).status_code == 404


def test_a_manager_previews_a_lesson_without_progress(client, course) -> None:
    client.force_login(UserFactory(roles=[Role.TRAINING_MANAGER]))
    lesson = course.lessons().first()
    response = client.get(reverse("training:lesson", args=[lesson.public_id]))
    assert response.status_code == 200
    assert response.context["progress"] is None
    assert not LessonProgress.objects.exists()


def test_the_video_lesson_page_has_its_player_and_configuration(client, learner, course) -> None:
    video = LessonFactory(module=course.modules.first(), kind=Lesson.Kind.VIDEO, video="training/videos/x.mp4")
    EnrolmentFactory(course=course, user=learner)
    client.force_login(learner)
    page = client.get(reverse("training:lesson", args=[video.public_id])).content.decode()
    assert reverse("training:lesson_video", args=[video.public_id]) in page
    assert 'id="training-player"' in page
    assert reverse("training:heartbeat", args=[video.public_id]) in page
    assert "training_video" in page
    assert "<script>" not in page  # CSP: no inline script


def test_my_enrolment_page_and_another_learners_is_404(client, learner, enrolment) -> None:
    client.force_login(learner)
    response = client.get(reverse("training:enrolment", args=[enrolment.public_id]))
    assert response.status_code == 200
    assert len(response.context["lessons"]) == 4

    other = UserFactory(roles=[Role.GRASSROOTS_DOCTOR])
    client.force_login(other)
    assert client.get(reverse("training:enrolment", args=[enrolment.public_id])).status_code == 404


def test_a_manager_sees_any_enrolment(client, enrolment) -> None:
    client.force_login(UserFactory(roles=[Role.TRAINING_MANAGER]))
    assert client.get(reverse("training:enrolment", args=[enrolment.public_id])).status_code == 200


def test_the_enrolment_page_is_get_only(client, learner, enrolment) -> None:
    client.force_login(learner)
    assert client.post(reverse("training:enrolment", args=[enrolment.public_id])).status_code == 405


def test_pages_need_sign_in(client, course) -> None:
    for url in [reverse("training:index"), reverse("training:course", args=["fever"])]:
        response = client.get(url)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


def test_a_course_taken_back_to_draft_stays_open_to_its_learners(client, learner, enrolment, course) -> None:
    course.unpublish(UserFactory(roles=[Role.TRAINING_MANAGER]))
    client.force_login(learner)
    assert client.get(reverse("training:course", args=["fever"])).status_code == 200
    client.force_login(UserFactory(roles=[Role.GRASSROOTS_DOCTOR]))
    assert client.get(reverse("training:course", args=["fever"])).status_code == 404
