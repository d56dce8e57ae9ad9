"""The version workflow on the model: submit, return, approve (two-person rule), supersede."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import IntegrityError
from django.utils import timezone

from handbook.models import HandbookError, Topic, TopicVersion, TopicVersionEvent, VersionStatus, review_date_after

from .conftest import publish, publish_topic, write_draft

pytestmark = pytest.mark.django_db


def test_a_new_topic_starts_as_a_draft_with_every_section(editor2):
    version = write_draft(editor2, "otitis", ("中耳炎", "Ear infection"))

    assert version.status == VersionStatus.DRAFT
    assert version.number == 1
    assert list(version.sections.values_list("kind", flat=True)) == [
        "assess",
        "danger_signs",
        "classification",
        "management",
        "referral",
        "follow_up",
        "parent_advice",
        "references",
    ]
    assert version.topic.current_version is None
    assert not Topic.objects.published().exists()


def test_the_author_cannot_approve_their_own_version(editor2):
    version = write_draft(editor2, "otitis", ("中耳炎", "Ear infection"))
    version.submit(editor2)

    with pytest.raises(HandbookError):
        version.approve(editor2)

    version.refresh_from_db()
    assert version.status == VersionStatus.IN_REVIEW
    assert version.approved_by is None


def test_the_database_refuses_an_approval_by_the_author_too(editor2):
    version = write_draft(editor2, "otitis", ("中耳炎", "Ear infection"))

    with pytest.raises(IntegrityError):
        TopicVersion.objects.filter(pk=version.pk).update(approved_by=editor2)


def test_a_second_editor_approves_and_publishes(editor, editor2):
    version = write_draft(editor2, "otitis", ("中耳炎", "Ear infection"))
    version.submit(editor2, "请审核")

    version.approve(editor, note="同意")

    version.refresh_from_db()
    assert version.status == VersionStatus.PUBLISHED
    assert version.approved_by == editor
    assert version.effective_date == timezone.localdate()
    assert version.next_review_date == review_date_after(timezone.localdate())
    assert version.topic.current_version == version
    assert list(Topic.objects.published()) == [version.topic]
    assert hasattr(version, "search_document")
    events = list(version.events.values_list("kind", "from_status", "to_status", "actor__username", "note"))
    assert events == [
        ("created", "draft", "draft", "editor2", ""),
        ("submitted", "draft", "in_review", "editor2", "请审核"),
        ("approved", "in_review", "published", "editor", "同意"),
    ]


def test_only_editors_approve(editor2, reader):
    version = write_draft(editor2, "otitis", ("中耳炎", "Ear infection"))
    version.submit(editor2)

    with pytest.raises(HandbookError):
        version.approve(reader)


def test_a_draft_cannot_be_approved_before_review(editor, editor2):
    version = write_draft(editor2, "otitis", ("中耳炎", "Ear infection"))

    with pytest.raises(HandbookError):
        version.approve(editor)


def test_publishing_supersedes_the_previous_version_which_stays_readable(editor, editor2):
    first = publish_topic(editor2, editor, "otitis", ("中耳炎", "Ear infection"))
    second = write_draft(editor2, "otitis", ("急性中耳炎", "Acute ear infection"))

    publish(second, editor)

    first.refresh_from_db()
    assert first.status == VersionStatus.SUPERSEDED
    assert first.superseded_at is not None
    assert second.number == 2
    assert Topic.objects.get(slug="otitis").current_version == second
    assert set(TopicVersion.objects.readable().values_list("number", flat=True)) == {1, 2}
    superseded = TopicVersionEvent.objects.get(version=first, kind="superseded")
    assert (superseded.from_status, superseded.to_status, superseded.actor) == ("published", "superseded", editor)


def test_a_new_draft_copies_the_published_version(editor, editor2, fever):
    draft = fever.topic.start_draft(editor2)

    assert draft.number == 2
    assert draft.status == VersionStatus.DRAFT
    assert draft.author == editor2
    assert draft.title_en == "Fever"
    assert draft.sections.get(kind="management").body_zh == "少量多次喂水。"
    assert draft.classification_rows.get().classification_en == "Very severe febrile disease"
    # The published version is untouched and still current.
    fever.refresh_from_db()
    assert fever.status == VersionStatus.PUBLISHED
    assert fever.topic.current_version == fever


def test_only_one_version_is_worked_on_at_a_time(editor, editor2, fever):
    draft = fever.topic.start_draft(editor2)

    assert fever.topic.start_draft(editor) == draft
    assert TopicVersion.objects.open().count() == 1


def test_returning_for_changes_needs_a_note(editor, editor2):
    version = write_draft(editor2, "otitis", ("中耳炎", "Ear infection"))
    version.submit(editor2)

    with pytest.raises(HandbookError):
        version.return_to_draft(editor, "  ")
    version.return_to_draft(editor, "请补充转诊指征")

    version.refresh_from_db()
    assert version.status == VersionStatus.DRAFT
    assert version.events.last().note == "请补充转诊指征"


def test_only_the_author_edits_and_submits_a_draft(editor, editor2):
    version = write_draft(editor2, "otitis", ("中耳炎", "Ear infection"))

    assert version.can_edit(editor2)
    assert not version.can_edit(editor)
    with pytest.raises(HandbookError):
        version.submit(editor)


def test_the_effective_date_may_be_earlier_but_not_in_the_future(editor, editor2):
    version = write_draft(editor2, "otitis", ("中耳炎", "Ear infection"))
    version.submit(editor2)

    with pytest.raises(HandbookError):
        version.approve(editor, effective_date=timezone.localdate() + timedelta(days=1))
    version.approve(editor, effective_date=date(2024, 2, 29))

    version.refresh_from_db()
    assert version.effective_date == date(2024, 2, 29)
    assert version.next_review_date == date(2026, 2, 28)


def test_the_next_review_must_follow_the_effective_date(editor, editor2):
    version = write_draft(editor2, "otitis", ("中耳炎", "Ear infection"))
    version.submit(editor2)

    with pytest.raises(HandbookError):
        version.approve(editor, effective_date=date(2025, 1, 1), next_review_date=date(2025, 1, 1))


def test_topics_past_their_review_date(editor, editor2):
    due = write_draft(editor2, "old", ("旧主题", "Old topic"))
    due.submit(editor2)
    due.approve(editor, effective_date=date(2020, 1, 1))
    publish_topic(editor2, editor, "new", ("新主题", "New topic"))

    assert [topic.slug for topic in Topic.objects.due_for_review()] == ["old"]
    assert not Topic.objects.due_for_review(on=date(2021, 12, 31)).exists()
