"""Usage for editors (handbook:usage): readings per topic, searches without results."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from handbook import view_counts
from handbook.models import SearchLog, TopicViewDay

pytestmark = pytest.mark.django_db


def test_views_are_counted_in_one_row_per_topic_and_day(fever):
    fever.topic.record_view(on=date(2025, 1, 1))
    fever.topic.record_view(on=date(2025, 1, 1))
    fever.topic.record_view(on=date(2025, 1, 2))
    view_counts.flush()

    assert list(TopicViewDay.objects.order_by("day").values_list("day", "views")) == [
        (date(2025, 1, 1), 2),
        (date(2025, 1, 2), 1),
    ]


def test_the_usage_page_shows_readings_and_search_gaps(client, editor, reader, fever):
    today = timezone.localdate()
    TopicViewDay.objects.create(topic=fever.topic, day=today, views=7)
    TopicViewDay.objects.create(topic=fever.topic, day=today - timedelta(days=60), views=100)  # too old
    SearchLog.objects.create(query="川崎病", user=reader, result_count=0)
    SearchLog.objects.create(query="川崎病", user=reader, result_count=0)
    SearchLog.objects.create(query="fever", user=reader, result_count=1)
    client.force_login(editor)

    response = client.get("/handbook/editor/usage/")

    assert response.status_code == 200
    assert [(row["topic__slug"], row["total"]) for row in response.context["views"]] == [("fever", 7)]
    assert [(gap["query"], gap["times"]) for gap in response.context["gaps"]] == [("川崎病", 2)]
    content = response.content.decode()
    assert "川崎病" in content
    assert '<meter class="w-100" min="0" max="7" value="7">' in content


def test_the_triage_section_says_when_no_triage_was_run(client, editor):
    client.force_login(editor)

    response = client.get("/handbook/editor/usage/")

    assert response.context["triage"] == []
    assert b'id="triage-heading"' in response.content
    assert "No triage has been run yet." in response.content.decode()


def test_usage_is_refused_to_a_doctor_and_to_post(client, reader, editor):
    client.force_login(reader)
    assert client.get("/handbook/editor/usage/").status_code == 403
    client.force_login(editor)
    assert client.post("/handbook/editor/usage/").status_code == 405
