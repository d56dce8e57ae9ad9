"""The editor pages: dashboard, new topic, start a draft, edit it, submit, return, approve."""

from __future__ import annotations

import pytest
from django.utils import timezone

from handbook.models import ClassificationRow, Topic, TopicVersion, VersionStatus

from .conftest import write_draft

pytestmark = pytest.mark.django_db

EDITOR_PAGES = [
    "/handbook/editor/",
    "/handbook/editor/review-due/",
    "/handbook/editor/usage/",
    "/handbook/editor/topics/new/",
    "/handbook/editor/topics/fever/settings/",
]


@pytest.mark.parametrize("url", EDITOR_PAGES)
def test_editor_pages_open_for_editors(client, editor, fever, url):
    client.force_login(editor)

    assert client.get(url).status_code == 200


@pytest.mark.parametrize("url", EDITOR_PAGES)
def test_editor_pages_are_refused_to_a_doctor(client, reader, fever, url):
    client.force_login(reader)

    assert client.get(url).status_code == 403


@pytest.mark.parametrize("url", EDITOR_PAGES)
def test_editor_pages_send_anonymous_people_to_sign_in(client, fever, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(
    "url",
    [
        "/handbook/topics/fever/drafts/",
        "/handbook/topics/fever/v/1/submit/",
        "/handbook/topics/fever/v/1/return/",
        "/handbook/topics/fever/v/1/approve/",
    ],
)
def test_transitions_take_post_only(client, editor, fever, url):
    client.force_login(editor)

    assert client.get(url).status_code == 405


@pytest.mark.parametrize("url", ["/handbook/editor/", "/handbook/editor/review-due/", "/handbook/editor/usage/"])
def test_editor_lists_refuse_post(client, editor, url):
    client.force_login(editor)

    assert client.post(url).status_code == 405


def test_creating_a_topic_makes_a_draft(client, editor2):
    client.force_login(editor2)

    response = client.post(
        "/handbook/editor/topics/new/",
        {
            "slug": "otitis",
            "symptom": "ear_problem",
            "age_bands": ["child", "older_child"],
            "order": "2",
            "title_zh": "中耳炎",
            "title_en": "Ear infection",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == "/handbook/topics/otitis/v/1/edit/"
    version = TopicVersion.objects.get(topic__slug="otitis")
    assert (version.status, version.author, version.title_zh) == (VersionStatus.DRAFT, editor2, "中耳炎")
    assert version.topic.age_bands == ["child", "older_child"]


def test_a_doctor_cannot_create_a_topic(client, reader):
    client.force_login(reader)

    response = client.post("/handbook/editor/topics/new/", {"slug": "x", "symptom": "fever", "age_bands": ["child"]})

    assert response.status_code == 403
    assert not Topic.objects.exists()


def test_starting_a_draft_from_the_published_version(client, editor2, fever):
    client.force_login(editor2)

    response = client.post("/handbook/topics/fever/drafts/")

    assert response.status_code == 302
    assert response["Location"] == "/handbook/topics/fever/v/2/edit/"
    assert TopicVersion.objects.get(topic=fever.topic, number=2).status == VersionStatus.DRAFT


def test_a_doctor_cannot_start_a_draft(client, reader, fever):
    client.force_login(reader)

    assert client.post("/handbook/topics/fever/drafts/").status_code == 403
    assert fever.topic.versions.count() == 1


def _edit_data(version: TopicVersion, **overrides) -> dict:
    sections = list(version.sections.order_by("position"))
    rows = list(version.classification_rows.order_by("position"))
    data = {
        "title_zh": version.title_zh,
        "title_en": version.title_en,
        "summary_zh": "",
        "summary_en": "",
        "keywords_zh": "",
        "keywords_en": "",
        "change_note": "",
        "sections-TOTAL_FORMS": str(len(sections)),
        "sections-INITIAL_FORMS": str(len(sections)),
        "sections-MIN_NUM_FORMS": "0",
        "sections-MAX_NUM_FORMS": "1000",
        "rows-TOTAL_FORMS": str(len(rows)),
        "rows-INITIAL_FORMS": str(len(rows)),
        "rows-MIN_NUM_FORMS": "0",
        "rows-MAX_NUM_FORMS": "1000",
    }
    for index, section in enumerate(sections):
        data[f"sections-{index}-id"] = str(section.pk)
        data[f"sections-{index}-body_zh"] = section.body_zh
        data[f"sections-{index}-body_en"] = section.body_en
        data[f"sections-{index}-video_start_seconds"] = ""
    for index, row in enumerate(rows):
        data[f"rows-{index}-id"] = str(row.pk)
        for field in [
            "position",
            "colour",
            "signs_zh",
            "signs_en",
            "classification_zh",
            "classification_en",
            "action_zh",
            "action_en",
        ]:
            data[f"rows-{index}-{field}"] = getattr(row, field)
    data.update(overrides)
    return data


def test_the_author_edits_sections_and_classification_rows(client, editor2):
    version = write_draft(editor2, "otitis", ("中耳炎", "Ear infection"))
    client.force_login(editor2)
    assert client.get("/handbook/topics/otitis/v/1/edit/").status_code == 200
    data = _edit_data(
        version,
        **{
            "title_en": "Acute ear infection",
            "sections-1-body_zh": "耳后肿胀压痛。",
            "sections-1-body_en": "Tender swelling behind the ear.",
            "rows-TOTAL_FORMS": "1",
            "rows-0-position": "1",
            "rows-0-colour": "red",
            "rows-0-signs_zh": "耳后肿胀压痛",
            "rows-0-signs_en": "Tender swelling behind the ear",
            "rows-0-classification_zh": "乳突炎",
            "rows-0-classification_en": "Mastoiditis",
            "rows-0-action_zh": "紧急转诊。",
            "rows-0-action_en": "Refer urgently.",
        },
    )

    response = client.post("/handbook/topics/otitis/v/1/edit/", data)

    assert response.status_code == 302, response.context and response.context["form"].errors
    version.refresh_from_db()
    assert version.title_en == "Acute ear infection"
    assert version.sections.get(kind="danger_signs").body_en == "Tender swelling behind the ear."
    assert list(ClassificationRow.objects.values_list("colour", "classification_en")) == [("red", "Mastoiditis")]


def test_another_editor_cannot_edit_the_draft(client, editor, editor2):
    version = write_draft(editor2, "otitis", ("中耳炎", "Ear infection"))
    client.force_login(editor)

    assert client.get("/handbook/topics/otitis/v/1/edit/").status_code == 403
    response = client.post("/handbook/topics/otitis/v/1/edit/", _edit_data(version, title_en="Changed"))

    assert response.status_code == 403
    version.refresh_from_db()
    assert version.title_en == "Ear infection"


def test_a_version_in_review_cannot_be_edited(client, editor2):
    version = write_draft(editor2, "otitis", ("中耳炎", "Ear infection"))
    version.submit(editor2)
    client.force_login(editor2)

    assert client.get("/handbook/topics/otitis/v/1/edit/").status_code == 403


def test_a_video_must_really_be_a_video(client, editor2):
    from django.core.files.uploadedfile import SimpleUploadedFile

    version = write_draft(editor2, "otitis", ("中耳炎", "Ear infection"))
    client.force_login(editor2)
    fake = SimpleUploadedFile("lecture.mp4", b"<html>not a video</html>", content_type="video/mp4")

    response = client.post("/handbook/topics/otitis/v/1/edit/", {**_edit_data(version), "video": fake})

    assert response.status_code == 200
    assert "video" in response.context["form"].errors
    version.refresh_from_db()
    assert not version.video


def test_submit_then_another_editor_approves_through_the_pages(client, editor, editor2):
    write_draft(editor2, "otitis", ("中耳炎", "Ear infection"))
    client.force_login(editor2)
    assert client.post("/handbook/topics/otitis/v/1/submit/", {"note": "请审核"}).status_code == 302

    client.force_login(editor)
    response = client.post(
        "/handbook/topics/otitis/v/1/approve/",
        {"effective_date": timezone.localdate().isoformat(), "next_review_date": "", "note": "同意"},
    )

    assert response.status_code == 302
    assert response["Location"] == "/handbook/topics/otitis/"
    version = TopicVersion.objects.get(topic__slug="otitis")
    assert (version.status, version.approved_by) == (VersionStatus.PUBLISHED, editor)


def test_the_author_is_refused_approval_through_the_page(client, editor2):
    version = write_draft(editor2, "otitis", ("中耳炎", "Ear infection"))
    version.submit(editor2)
    client.force_login(editor2)

    response = client.post(
        "/handbook/topics/otitis/v/1/approve/", {"effective_date": timezone.localdate().isoformat()}, follow=True
    )

    assert "Another editor must approve this version" in response.content.decode()
    version.refresh_from_db()
    assert version.status == VersionStatus.IN_REVIEW


def test_a_doctor_cannot_approve(client, reader, editor2):
    version = write_draft(editor2, "otitis", ("中耳炎", "Ear infection"))
    version.submit(editor2)
    client.force_login(reader)

    response = client.post("/handbook/topics/otitis/v/1/approve/", {"effective_date": timezone.localdate().isoformat()})

    assert response.status_code == 403
    version.refresh_from_db()
    assert version.status == VersionStatus.IN_REVIEW


def test_returning_a_version_for_changes(client, editor, editor2):
    version = write_draft(editor2, "otitis", ("中耳炎", "Ear infection"))
    version.submit(editor2)
    client.force_login(editor)

    response = client.post("/handbook/topics/otitis/v/1/return/", {"note": "请补充转诊指征"})

    assert response.status_code == 302
    version.refresh_from_db()
    assert version.status == VersionStatus.DRAFT
    assert version.events.last().note == "请补充转诊指征"


def test_the_dashboard_lists_work_waiting_for_me(client, editor, editor2):
    version = write_draft(editor2, "otitis", ("中耳炎", "Ear infection"))
    version.submit(editor2)
    client.force_login(editor)

    response = client.get("/handbook/editor/")

    assert list(response.context["awaiting"]) == [version]
    assert list(response.context["mine"]) == []


def test_the_review_due_list(client, editor, editor2):
    from datetime import date

    old = write_draft(editor2, "old", ("旧主题", "Old topic"))
    old.submit(editor2)
    old.approve(editor, effective_date=date(2020, 3, 1))
    client.force_login(editor)

    response = client.get("/handbook/editor/review-due/")

    assert [topic.slug for topic in response.context["page"]] == ["old"]
    assert "2022-03-01" in response.content.decode()
    assert response.context is not None
    assert client.get("/handbook/editor/").context["due_count"] == 1


def test_topic_settings_change_the_index_placement(client, editor, fever):
    client.force_login(editor)

    response = client.post(
        "/handbook/editor/topics/fever/settings/", {"symptom": "fever", "age_bands": ["young_infant"], "order": "5"}
    )

    assert response.status_code == 302
    fever.topic.refresh_from_db()
    assert (fever.topic.age_bands, fever.topic.order, fever.topic.is_demo) == (["young_infant"], 5, False)
