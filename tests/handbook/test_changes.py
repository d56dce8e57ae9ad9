"""What changed between two versions (handbook:changes, handbook.diff)."""

from __future__ import annotations

import pytest

from handbook.diff import diff_text

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
