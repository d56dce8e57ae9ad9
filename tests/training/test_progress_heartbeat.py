"""The heartbeat endpoint the video player posts to (training:heartbeat)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cloudpeds.accounts.roles import Role
from training.models import Lesson, LessonProgress

from ..factories import EnrolmentFactory, LessonFactory, UserFactory


@pytest.fixture
def lesson(db) -> Lesson:
    return LessonFactory(kind=Lesson.Kind.VIDEO, video_duration_seconds=60)


@pytest.fixture
def enrolment(lesson):
    return EnrolmentFactory(course=lesson.module.course, user=UserFactory(roles=[Role.GRASSROOTS_DOCTOR]))


def _post(client, lesson, payload, **extra):
    return client.post(
        reverse("training:heartbeat", args=[lesson.public_id]),
        data=json.dumps(payload) if not isinstance(payload, bytes) else payload,
        content_type="application/json",
        **extra,
    )


def test_a_beat_records_played_seconds(client, lesson, enrolment) -> None:
    client.force_login(enrolment.user)
    progress = enrolment.progress_for(lesson)
    progress.open(timezone.now() - timedelta(seconds=12))
    response = _post(client, lesson, {"intervals": [[0, 10]]})
    assert response.status_code == 200
    assert response.json() == {"coveragePercent": 17, "complete": False, "lessonComplete": False}
    progress.refresh_from_db()
    assert progress.watched_intervals == [[0.0, 10.0]]
    assert 11 < progress.time_spent_seconds < 14


def test_a_beat_from_someone_not_enrolled_is_404(client, lesson, enrolment) -> None:
    client.force_login(UserFactory(roles=[Role.GRASSROOTS_DOCTOR]))
    assert _post(client, lesson, {"intervals": [[0, 10]]}).status_code == 404
    assert not LessonProgress.objects.exists()


def test_a_manager_previewing_records_nothing(client, lesson, enrolment) -> None:
    client.force_login(UserFactory(roles=[Role.TRAINING_MANAGER]))
    assert _post(client, lesson, {"intervals": [[0, 10]]}).status_code == 404
    assert not LessonProgress.objects.exists()


def test_get_is_405(client, lesson, enrolment) -> None:
    client.force_login(enrolment.user)
    assert client.get(reverse("training:heartbeat", args=[lesson.public_id])).status_code == 405


def test_bad_json_is_400(client, lesson, enrolment) -> None:
    client.force_login(enrolment.user)
    assert _post(client, lesson, b"{not json").status_code == 400
    assert _post(client, lesson, [1, 2]).status_code == 400


def test_a_beat_without_csrf_token_is_refused(lesson, enrolment) -> None:
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(enrolment.user)
    assert _post(strict, lesson, {"intervals": [[0, 10]]}).status_code == 403
