"""handbook.citations.citing_objects and the training managers' notice on publishing."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.core import mail

from cloudpeds.notifications.models import Notification
from handbook import citations

from .conftest import publish, publish_topic, write_draft

pytestmark = pytest.mark.django_db


class Lesson:
    def __init__(self, title: str) -> None:
        self.title = title

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return "/training/lessons/1/"


@pytest.fixture
def cited(monkeypatch):
    """A fake training app whose lessons cite every version given to it in `versions`."""
    versions: list = []

    def citations_of(version):
        return [Lesson("儿童肺炎的识别 第3课")] if version.pk in versions else []

    module = SimpleNamespace(citations_of=citations_of)
    monkeypatch.setattr(
        citations, "app_modules", lambda name: iter([module]) if name == "handbook_citations" else iter([])
    )
    return versions


def test_citing_objects_asks_each_app_module(cited, editor, editor2):
    version = publish_topic(editor2, editor, "otitis", ("中耳炎", "Ear infection"))
    cited.append(version.pk)

    found = citations.citing_objects(version)

    assert [str(item) for item in found] == ["儿童肺炎的识别 第3课"]


def test_no_apps_no_citations(editor, editor2):
    version = publish_topic(editor2, editor, "otitis", ("中耳炎", "Ear infection"))

    assert citations.citing_objects(version) == []


def test_training_managers_are_told_when_a_cited_version_is_superseded(
    cited, editor, editor2, trainer, django_capture_on_commit_callbacks
):
    old = publish_topic(editor2, editor, "otitis", ("中耳炎", "Ear infection"))
    cited.append(old.pk)
    new = write_draft(editor2, "otitis", ("中耳炎", "Ear infection"))

    with django_capture_on_commit_callbacks(execute=True):
        publish(new, editor)

    notice = Notification.objects.get(recipient=trainer)
    assert notice.kind == "handbook.version_superseded"
    assert notice.context["old_number"] == 1
    assert notice.context["new_number"] == 2
    assert notice.context["citations"][0]["label"] == "儿童肺炎的识别 第3课"
    assert notice.context["citations"][0]["url"].endswith("/training/lessons/1/")
    assert notice.target_url == new.get_absolute_url()
    assert len(mail.outbox) == 1
    assert "儿童肺炎的识别 第3课" in mail.outbox[0].body


def test_nobody_is_told_when_nothing_cites_the_old_version(cited, editor, editor2, trainer):
    publish_topic(editor2, editor, "otitis", ("中耳炎", "Ear infection"))
    publish(write_draft(editor2, "otitis", ("中耳炎", "Ear infection")), editor)

    assert not Notification.objects.exists()
