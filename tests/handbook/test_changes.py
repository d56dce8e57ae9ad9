"""What changed between two versions (handbook:changes, handbook.diff)."""

from __future__ import annotations

import importlib
from dataclasses import replace

import pytest

from handbook.diff import diff_text
from handbook.models import Section, Topic, TopicContent, TopicVersion

from .conftest import publish, publish_topic, write_draft

pytestmark = pytest.mark.django_db


def test_chinese_text_is_compared_word_by_word():
    chunks = diff_text("胸凹陷归为重症肺炎。", "胸凹陷归为肺炎。")

    assert [(c.op, c.text) for c in chunks if c.op != "equal"] == [("delete", "重症")]
    assert "".join(c.text for c in chunks if c.op != "insert") == "胸凹陷归为重症肺炎。"


def test_english_text_is_compared_word_by_word():
    chunks = diff_text("Chest indrawing: severe pneumonia.", "Chest indrawing: pneumonia.")

    assert [(c.op, c.text.strip()) for c in chunks if c.op != "equal"] == [("delete", "severe")]


def test_a_rewritten_phrase_is_one_change_not_word_salad():
    chunks = diff_text("Red: urgent referral | x", "Yellow: home care | x")

    assert [(c.op, c.text) for c in chunks] == [
        ("delete", "Red: urgent referral"),
        ("insert", "Yellow: home care"),
        ("equal", " | x"),
    ]


@pytest.fixture
def two_versions(editor, editor2):
    rows = [("red", "胸凹陷", "Chest indrawing", "重症肺炎", "Severe pneumonia", "转诊。", "Refer.")]
    publish_topic(
        editor2,
        editor,
        "cough",
        ("咳嗽", "Cough"),
        symptom="cough",
        rows=rows,
        sections={"management": ("转诊。", "Refer.")},
    )
    new_rows = [("yellow", "胸凹陷", "Chest indrawing", "肺炎", "Pneumonia", "口服阿莫西林。", "Oral amoxicillin.")]
    return publish(
        write_draft(
            editor2,
            "cough",
            ("咳嗽", "Cough"),
            rows=new_rows,
            sections={"management": ("口服阿莫西林。", "Oral amoxicillin.")},
        ),
        editor,
    )


def test_the_changes_page_shows_each_changed_section_in_both_languages(client, reader, two_versions):
    client.force_login(reader)

    response = client.get("/handbook/topics/cough/changes/")

    content = response.content.decode()
    assert response.status_code == 200
    assert (response.context["old"].number, response.context["new"].number) == (1, 2)
    parts = {part.anchor: part for part in response.context["parts"]}
    assert parts["section-management"].changed
    assert parts["classification-table"].changed
    assert not parts["title"].changed
    assert '<del class="hb-del">Severe pneumonia</del><ins class="hb-ins">Pneumonia</ins>' in content
    assert '<ins class="hb-ins">口服阿莫西林</ins>' in content
    assert (
        '<del class="hb-del">Red: urgent referral</del><ins class="hb-ins">Yellow: specific treatment</ins>' in content
    )


def test_a_topic_with_one_version_has_no_changes_page(client, reader, fever):
    client.force_login(reader)

    assert client.get("/handbook/topics/fever/changes/").status_code == 404


def test_readers_cannot_compare_with_a_draft(client, reader, editor2, two_versions):
    two_versions.topic.start_draft(editor2)
    client.force_login(reader)

    assert client.get("/handbook/topics/cough/changes/", {"old": "2", "new": "3"}).status_code == 404


def test_bad_version_numbers_are_not_found(client, reader, two_versions):
    client.force_login(reader)

    assert client.get("/handbook/topics/cough/changes/", {"old": "x", "new": "2"}).status_code == 404
    assert client.get("/handbook/topics/cough/changes/", {"old": "9", "new": "2"}).status_code == 404


def test_the_changes_page_refuses_post(client, reader, two_versions):
    client.force_login(reader)

    assert client.post("/handbook/topics/cough/changes/").status_code == 405


@pytest.fixture
def fever_with_two_versions(editor, editor2):
    sections = {
        "assess": ("测体温。\n\n看精神状态。", "Take the temperature.\n\nLook at the child."),
        "management": ("退热。", "Bring the fever down."),
    }
    publish_topic(editor2, editor, "fever", ("发热", "Fever"), sections=sections)
    return Topic.objects.get(slug="fever")


def _browser_content(version, **changed) -> TopicContent:
    """The version's content as a browser submits it: CRLF line endings, a trailing space."""
    content = version.content()

    def crlf(text: str) -> str:
        return text.replace("\n", " \r\n") + "\r\n" if text else text

    sections = {
        kind: replace(section, body_zh=crlf(section.body_zh), body_en=crlf(section.body_en))
        for kind, section in content.sections.items()
    }
    for kind, (zh, en) in changed.items():
        sections[kind] = replace(sections[kind], body_zh=zh, body_en=en)
    return replace(
        content, title_zh=content.title_zh + "\r\n", sections=sections, summary_en=crlf("A fever.\nAt home.")
    )


def test_a_version_saved_from_a_browser_changes_only_what_the_editor_changed(
    client, reader, editor, editor2, fever_with_two_versions
):
    draft = fever_with_two_versions.start_draft(editor)
    draft.replace_content(
        editor, _browser_content(draft, management=("退热。\r\n\r\n多饮水。 ", "Bring the fever down.\r\n\r\nDrink."))
    )

    stored = [draft.title_zh, draft.summary_en, *draft.sections.values_list("body_zh", flat=True)]
    assert not any("\r" in text or " \n" in text or text.endswith(("\n", " ")) for text in stored)
    publish(TopicVersion.objects.get(pk=draft.pk), editor2)

    client.force_login(reader)
    response = client.get("/handbook/topics/fever/changes/")
    changed = [part.anchor for part in response.context["parts"] if part.changed]
    assert changed == ["summary", "section-management"]  # the summary was empty in version 1


def test_stored_crlf_texts_compare_as_unchanged(client, reader, editor, editor2, fever_with_two_versions):
    # A version stored before saves were normalised: carried-over sections with CRLF.
    draft = fever_with_two_versions.start_draft(editor)
    for section in draft.sections.all():
        section.body_zh = section.body_zh.replace("\n", "\r\n") + "  "
        section.save()
    publish(draft, editor2)

    client.force_login(reader)
    response = client.get("/handbook/topics/fever/changes/")

    assert not any(part.changed for part in response.context["parts"])
    content = response.content.decode()
    assert content.count('data-changed="false"') == len(response.context["parts"])
    assert 'data-testid="rendered"' not in content


def test_the_change_is_shown_rendered_with_the_source_one_click_away(client, reader, two_versions):
    client.force_login(reader)

    response = client.get("/handbook/topics/cough/changes/")

    content = response.content.decode()
    management = next(part for part in response.context["parts"] if part.anchor == "section-management")
    english = next(text for text in management.texts if text.lang == "en")
    assert [(block.op, "Refer" in block.html or "amoxicillin" in block.html) for block in english.blocks] == [
        ("delete", True),
        ("insert", True),
    ]
    assert '<div class="hb-block-ins">' in content and "<p>Oral amoxicillin.</p>" in content
    assert '<div class="hb-block-del">' in content and "<p>Refer.</p>" in content
    # The Markdown source diff is inside a closed <details>.
    source = content.index('data-testid="source-diff"')
    assert content.rfind("<details", 0, source) > content.rfind("</details>", 0, source)


def test_the_migration_normalises_stored_versions(editor, editor2, fever_with_two_versions):
    from django.apps import apps

    migration = importlib.import_module("handbook.migrations.0004_normalise_stored_texts")
    version = fever_with_two_versions.current_version
    Section.objects.filter(version=version).update(body_zh="测体温。 \r\n\r\n看精神状态。\r\n")
    TopicVersion.objects.filter(pk=version.pk).update(summary_en="A fever.\r\nAt home.  ")

    migration.normalise(apps, None)

    version.refresh_from_db()
    assert version.summary_en == "A fever.\nAt home."
    assert set(Section.objects.filter(version=version).values_list("body_zh", flat=True)) == {
        "测体温。\n\n看精神状态。"
    }


def test_the_editor_page_stores_what_the_browser_sends_normalised(client, editor, fever_with_two_versions):
    from .test_editing import _edit_data

    draft = fever_with_two_versions.start_draft(editor)
    client.force_login(editor)
    data = _edit_data(draft)
    for key in [key for key in data if key.endswith(("-body_zh", "-body_en"))]:
        data[key] = data[key].replace("\n", " \r\n")
    data["summary_en"] = "A fever.\r\nAt home. \r\n"

    response = client.post(f"/handbook/topics/fever/v/{draft.number}/edit/", data)

    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.summary_en == "A fever.\nAt home."
    bodies = list(draft.sections.values_list("body_zh", "body_en"))
    assert ("测体温。\n\n看精神状态。", "Take the temperature.\n\nLook at the child.") in bodies
    assert not any("\r" in zh + en for zh, en in bodies)
