"""Reading a topic: handbook:topic and handbook:version."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cloudpeds.accounts.roles import Role
from handbook import view_counts
from handbook.models import Section, Topic, TopicViewDay
from handbook.reading import cached_page
from tests.conftest import app_queries
from tests.factories import UserFactory

from .conftest import publish, write_draft

pytestmark = pytest.mark.django_db


def test_the_topic_page_shows_the_version_its_approver_and_dates(client, reader, editor, fever):
    client.force_login(reader)

    response = client.get("/handbook/topics/fever/")

    content = response.content.decode()
    assert response.status_code == 200
    assert "Fever" in content
    assert response.context["version"] == fever
    stamp = content[content.index('data-testid="version-stamp"') :][:1500]
    assert "Version" in stamp and "1" in stamp
    assert editor.display_name in stamp
    assert fever.effective_date.isoformat() in stamp
    assert fever.next_review_date.isoformat() in stamp


def test_the_page_is_in_the_readers_language_by_default_and_switches(client, reader, fever):
    client.force_login(reader)

    english = client.get("/handbook/topics/fever/").content.decode()
    chinese = client.get("/handbook/topics/fever/", {"lang": "zh"}).content.decode()
    both = client.get("/handbook/topics/fever/", {"lang": "both"}).content.decode()

    assert "Offer fluids often." in english and "少量多次喂水。" not in english
    assert "少量多次喂水。" in chinese and "Offer fluids often." not in chinese
    assert "少量多次喂水。" in both and "Offer fluids often." in both


def test_the_classification_table_shows_colours(client, reader, fever):
    client.force_login(reader)

    content = client.get("/handbook/topics/fever/").content.decode()

    assert 'class="hb-colour-red"' in content
    assert "Red: urgent referral" in content
    assert "Very severe febrile disease" in content


def test_demo_topics_carry_a_notice(client, reader, fever):
    client.force_login(reader)
    assert b'data-testid="demo-notice"' not in client.get("/handbook/topics/fever/").content

    Topic.objects.filter(pk=fever.topic_id).update(is_demo=True)
    content = client.get("/handbook/topics/fever/").content.decode()

    assert 'data-testid="demo-notice"' in content
    assert "not clinical advice" in content


def test_markdown_is_rendered_and_sanitised(client, reader, editor, editor2):
    version = write_draft(
        editor2,
        "otitis",
        ("中耳炎", "Ear infection"),
        sections={
            "assess": (
                "**看鼓膜**",
                "- **Look** at the drum\n\n<script>alert(1)</script><img src=x onerror=alert(2)>"
                "[bad](javascript:alert(3))",
            )
        },
    )
    publish(version, editor)
    client.force_login(reader)

    content = client.get("/handbook/topics/otitis/").content.decode()

    assert "<li><strong>Look</strong> at the drum</li>" in content
    assert "<script>alert(1)" not in content
    assert "onerror" not in content
    assert "javascript:" not in content


def test_reading_counts_a_view_per_topic_and_day(client, reader, fever):
    client.force_login(reader)

    client.get("/handbook/topics/fever/")
    client.get("/handbook/topics/fever/")
    view_counts.flush()

    assert list(TopicViewDay.objects.values_list("topic__slug", "views")) == [("fever", 2)]


def test_a_superseded_version_stays_readable_and_says_so(client, reader, editor, editor2, fever):
    publish(write_draft(editor2, "fever", ("发热 修订版", "Fever (revised)")), editor)
    client.force_login(reader)

    old = client.get("/handbook/topics/fever/v/1/")
    current = client.get("/handbook/topics/fever/")

    assert old.status_code == 200
    assert b'data-testid="superseded-notice"' in old.content
    assert "Fever (revised)" in current.content.decode()
    assert "/handbook/topics/fever/changes/?old=1&amp;new=2" in current.content.decode()


def test_drafts_are_hidden_from_readers_and_shown_to_editors(client, reader, editor, fever, editor2):
    fever.topic.start_draft(editor2)

    client.force_login(reader)
    assert client.get("/handbook/topics/fever/v/2/").status_code == 404
    client.force_login(editor)
    assert client.get("/handbook/topics/fever/v/2/").status_code == 200


def test_a_topic_never_published_is_not_found(client, reader, editor, editor2):
    write_draft(editor2, "otitis", ("中耳炎", "Ear infection"))
    client.force_login(editor)

    assert client.get("/handbook/topics/otitis/").status_code == 404
    assert client.get("/handbook/topics/nothing/").status_code == 404


def test_reading_needs_sign_in(client, fever):
    response = client.get("/handbook/topics/fever/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_topic_page_refuses_post(client, reader, fever):
    client.force_login(reader)

    assert client.post("/handbook/topics/fever/").status_code == 405
    assert not TopicViewDay.objects.exists()


def test_events_are_shown_on_the_version_page(client, editor, fever):
    client.force_login(editor)

    content = client.get("/handbook/topics/fever/v/1/").content.decode()

    events = content[content.index('data-testid="events"') :]
    assert "Sent for review" in events
    assert "Approved and published" in events


def _article(content: str) -> str:
    return content[content.index("<article") : content.index("</article>")]


def _content_reads(queries) -> list[str]:
    return [sql for sql in app_queries(queries) if "handbook_section" in sql or "handbook_classificationrow" in sql]


def test_the_published_page_is_kept_and_a_new_version_shows_at_once(client, reader, editor, editor2, fever):
    client.force_login(reader)
    first = client.get("/handbook/topics/fever/").content.decode()

    with CaptureQueriesContext(connection) as again:
        second = client.get("/handbook/topics/fever/").content.decode()

    # Read from the cache: the same page without reading the sections and rows again.
    assert _article(second) == _article(first)
    assert _content_reads(again) == []
    publish(
        write_draft(
            editor2, "fever", ("发热", "Fever"), sections={"management": ("多喝水。", "Give plenty to drink.")}
        ),
        editor,
    )
    current = client.get("/handbook/topics/fever/").content.decode()
    assert "Give plenty to drink." in current
    assert "Offer fluids often." not in current
    # The version before, superseded, keeps its own page.
    assert "Offer fluids often." in client.get("/handbook/topics/fever/v/1/").content.decode()


def test_the_kept_page_is_per_interface_and_reading_language(client, reader, yangpu, fever):
    chinese_reader = UserFactory(
        username="reader_zh", hospital=yangpu, roles=[Role.GRASSROOTS_DOCTOR], preferred_language="zh-hans"
    )
    client.force_login(reader)
    english = client.get("/handbook/topics/fever/").content.decode()
    client.force_login(chinese_reader)
    chinese = client.get("/handbook/topics/fever/").content.decode()
    both = client.get("/handbook/topics/fever/", {"lang": "both"}).content.decode()

    assert "Danger signs" in english and "危险体征" not in english
    assert "危险体征" in chinese and "Danger signs" not in chinese
    assert "少量多次喂水。" in chinese and "Offer fluids often." not in chinese
    assert "少量多次喂水。" in both and "Offer fluids often." in both


def test_a_draft_page_is_never_kept(editor2):
    draft = write_draft(
        editor2, "otitis", ("中耳炎", "Ear infection"), sections={"assess": ("看鼓膜", "Look at the drum.")}
    )
    assert "Look at the drum." in str(cached_page(draft, ("en",)).sections[0].columns[0].text)

    Section.objects.filter(version=draft, kind="assess").update(body_en="Look at both drums.")
    draft.refresh_from_db()

    assert "Look at both drums." in str(cached_page(draft, ("en",)).sections[0].columns[0].text)
