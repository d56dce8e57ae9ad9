"""Topic readings are added up in memory and written in batches (issue 17): no reader
UPDATEs the topic's hot row for the day."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from handbook import view_counts
from handbook.models import Topic, TopicViewDay

pytestmark = pytest.mark.django_db


def _writes(captured) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if q["sql"].startswith(("INSERT", "UPDATE"))]


def test_reading_a_topic_writes_nothing_until_the_batch_is_due(client, reader, fever, settings):
    settings.HANDBOOK_VIEW_FLUSH_SECONDS = 3600
    client.force_login(reader)
    client.get("/handbook/topics/fever/")

    with CaptureQueriesContext(connection) as captured:
        for _ in range(3):
            assert client.get("/handbook/topics/fever/").status_code == 200

    assert not [sql for sql in _writes(captured) if "handbook_topicviewday" in sql]
    assert not TopicViewDay.objects.exists()
    assert sum(view_counts.pending().values()) == 4


def test_a_due_batch_is_written_in_one_statement_and_adds_up(fever, settings):
    settings.HANDBOOK_VIEW_FLUSH_SECONDS = 3600
    topic = fever.topic
    TopicViewDay.objects.create(topic=topic, day=date(2025, 1, 1), views=5)
    for _ in range(3):
        topic.record_view(on=date(2025, 1, 1))
    topic.record_view(on=date(2025, 1, 2))

    with CaptureQueriesContext(connection) as captured:
        view_counts.flush()

    assert len(_writes(captured)) == 1
    assert list(TopicViewDay.objects.order_by("day").values_list("day", "views")) == [
        (date(2025, 1, 1), 8),
        (date(2025, 1, 2), 1),
    ]
    assert view_counts.pending() == {}


def test_the_next_reading_after_the_interval_writes_the_batch(client, reader, fever, settings):
    settings.HANDBOOK_VIEW_FLUSH_SECONDS = 0
    client.force_login(reader)

    client.get("/handbook/topics/fever/")
    client.get("/handbook/topics/fever/")

    assert list(TopicViewDay.objects.values_list("topic__slug", "views")) == [("fever", 2)]


def test_a_topic_deleted_before_the_batch_does_not_lose_the_others(fever, settings):
    settings.HANDBOOK_VIEW_FLUSH_SECONDS = 3600
    fever.topic.record_view(on=date(2025, 1, 1))
    view_counts.count_view(Topic.objects.order_by("-pk").values_list("pk", flat=True).first() + 1000, date(2025, 1, 1))

    view_counts.flush()

    assert list(TopicViewDay.objects.values_list("topic_id", "views")) == [(fever.topic.pk, 1)]


def test_the_usage_page_includes_this_process_readings(client, editor, fever, settings):
    settings.HANDBOOK_VIEW_FLUSH_SECONDS = 3600
    fever.topic.record_view()
    fever.topic.record_view()
    client.force_login(editor)

    response = client.get("/handbook/editor/usage/")

    assert [(row["topic__slug"], row["total"]) for row in response.context["views"]] == [("fever", 2)]
