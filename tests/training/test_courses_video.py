"""The lecture video: served with HTTP Range support to enrolled learners and managers only."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from cloudpeds.accounts.roles import Role
from training.models import Lesson

from ..factories import EnrolmentFactory, LessonFactory, UserFactory

VIDEO = b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 8


@pytest.fixture
def lecture(db) -> Lesson:
    lesson = LessonFactory(kind=Lesson.Kind.VIDEO, video_duration_seconds=20, video_content_type="video/mp4")
    lesson.video.save("lecture.mp4", ContentFile(VIDEO))
    return lesson


@pytest.fixture
def learner(lecture):
    user = UserFactory(roles=[Role.GRASSROOTS_DOCTOR])
    EnrolmentFactory(course=lecture.module.course, user=user)
    return user


def _url(lesson: Lesson) -> str:
    return reverse("training:lesson_video", args=[lesson.public_id])


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_a_range_request_gets_206_and_exactly_those_bytes(client, learner, lecture) -> None:
    client.force_login(learner)
    response = client.get(_url(lecture), headers={"range": "bytes=100-199"})
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes 100-199/{len(VIDEO)}"
    assert response["Content-Length"] == "100"
    assert response["Content-Type"] == "video/mp4"
    assert _body(response) == VIDEO[100:200]


def test_open_ended_and_suffix_ranges(client, learner, lecture) -> None:
    client.force_login(learner)
    tail = client.get(_url(lecture), headers={"range": f"bytes={len(VIDEO) - 10}-"})
    assert tail.status_code == 206
    assert _body(tail) == VIDEO[-10:]
    suffix = client.get(_url(lecture), headers={"range": "bytes=-16"})
    assert suffix.status_code == 206
    assert suffix["Content-Range"] == f"bytes {len(VIDEO) - 16}-{len(VIDEO) - 1}/{len(VIDEO)}"
    assert _body(suffix) == VIDEO[-16:]


def test_without_a_range_the_whole_file_says_ranges_are_accepted(client, learner, lecture) -> None:
    client.force_login(learner)
    response = client.get(_url(lecture))
    assert response.status_code == 200
    assert response["Accept-Ranges"] == "bytes"
    assert _body(response) == VIDEO


def test_an_unsatisfiable_range_is_416(client, learner, lecture) -> None:
    client.force_login(learner)
    response = client.get(_url(lecture), headers={"range": f"bytes={len(VIDEO) + 5}-"})
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{len(VIDEO)}"


def test_a_training_manager_may_watch(client, lecture) -> None:
    client.force_login(UserFactory(roles=[Role.TRAINING_MANAGER]))
    assert client.get(_url(lecture), headers={"range": "bytes=0-9"}).status_code == 206


def test_a_doctor_not_enrolled_gets_404(client, lecture) -> None:
    client.force_login(UserFactory(roles=[Role.GRASSROOTS_DOCTOR]))
    assert client.get(_url(lecture), headers={"range": "bytes=0-9"}).status_code == 404


def test_anonymous_is_sent_to_sign_in(client, lecture) -> None:
    response = client.get(_url(lecture))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_post_is_405(client, learner, lecture) -> None:
    client.force_login(learner)
    assert client.post(_url(lecture)).status_code == 405


def test_a_reading_lesson_has_no_video(client, db) -> None:
    lesson = LessonFactory()
    user = UserFactory(roles=[Role.GRASSROOTS_DOCTOR])
    EnrolmentFactory(course=lesson.module.course, user=user)
    client.force_login(user)
    assert client.get(_url(lesson)).status_code == 404
