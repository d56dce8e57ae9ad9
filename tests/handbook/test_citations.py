"""Training lessons cite handbook versions (Lesson.handbook_topic_version); the training
managers are told when a newer version supersedes a cited one."""

from __future__ import annotations

import pytest
from django.core import mail

from cloudpeds.notifications.models import Notification
from tests.factories import LessonFactory

from .conftest import publish, publish_topic, write_draft

pytestmark = pytest.mark.django_db

TITLE = "Recognising pneumonia in children, lesson 3"


def _lesson_citing(version):
    return LessonFactory(title_zh="儿童肺炎的识别 第3课", title_en=TITLE, handbook_topic_version=version)


def test_the_lessons_citing_a_version_are_found_through_its_foreign_key(editor, editor2):
    version = publish_topic(editor2, editor, "otitis", ("中耳炎", "Ear infection"))
    _lesson_citing(version)

    assert [str(lesson) for lesson in version.training_lessons.all()] == [TITLE]


def test_a_version_nobody_cites_has_no_citations(editor, editor2):
    version = publish_topic(editor2, editor, "otitis", ("中耳炎", "Ear infection"))

    assert not version.training_lessons.exists()


def test_training_managers_are_told_when_a_cited_version_is_superseded(
    editor, editor2, trainer, django_capture_on_commit_callbacks
):
    old = publish_topic(editor2, editor, "otitis", ("中耳炎", "Ear infection"))
    lesson = _lesson_citing(old)
    new = write_draft(editor2, "otitis", ("中耳炎", "Ear infection"))

    with django_capture_on_commit_callbacks(execute=True):
        publish(new, editor)

    notice = Notification.objects.get(recipient=trainer)
    assert notice.kind == "handbook.version_superseded"
    assert notice.context["old_number"] == 1
    assert notice.context["new_number"] == 2
    assert notice.context["citations"][0]["label"] == TITLE
    assert notice.context["citations"][0]["url"].endswith(lesson.get_absolute_url())
    assert notice.target_url == new.get_absolute_url()
    assert len(mail.outbox) == 1
    assert TITLE in mail.outbox[0].body


def test_nobody_is_told_when_nothing_cites_the_old_version(editor, editor2, trainer):
    publish_topic(editor2, editor, "otitis", ("中耳炎", "Ear infection"))
    publish(write_draft(editor2, "otitis", ("中耳炎", "Ear infection")), editor)

    assert not Notification.objects.exists()
