"""The handbook index (handbook:index): by symptom, by age band, constant queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from handbook.models import Symptom

from .conftest import publish_topic, write_draft

pytestmark = pytest.mark.django_db


def _publish_many(author, approver, count: int, start: int = 0) -> None:
    symptoms = Symptom.values
    for index in range(start, start + count):
        publish_topic(
            author,
            approver,
            f"topic-{index}",
            (f"主题{index}", f"Topic {index}"),
            symptom=symptoms[index % len(symptoms)],
            age_bands=["child", "older_child"] if index % 2 else ["young_infant"],
        )


def test_the_index_lists_published_topics_by_symptom(client, reader, editor, editor2, fever):
    write_draft(editor2, "otitis", ("中耳炎", "Ear infection"), symptom="ear_problem")
    client.force_login(reader)

    response = client.get("/handbook/")

    content = response.content.decode()
    assert response.status_code == 200
    assert '<a class="fw-semibold" href="/handbook/topics/fever/">Fever</a>' in content
    assert "Ear infection" not in content  # a draft


def test_the_index_filters_by_age_band_and_symptom(client, reader, editor, editor2):
    publish_topic(
        editor2, editor, "jaundice", ("黄疸", "Jaundice"), symptom="neonatal_jaundice", age_bands=["young_infant"]
    )
    publish_topic(editor2, editor, "cough", ("咳嗽", "Cough"), symptom="cough", age_bands=["child"])
    client.force_login(reader)

    young = [t.slug for t in client.get("/handbook/", {"age": "young_infant"}).context["page"]]
    cough = [t.slug for t in client.get("/handbook/", {"symptom": "cough"}).context["page"]]

    assert young == ["jaundice"]
    assert cough == ["cough"]


def test_topics_follow_the_handbooks_symptom_order(client, reader, editor, editor2):
    publish_topic(editor2, editor, "rash", ("皮疹", "Rash"), symptom="rash")
    publish_topic(editor2, editor, "cough", ("咳嗽", "Cough"), symptom="cough")
    publish_topic(editor2, editor, "diarrhoea", ("腹泻", "Diarrhoea"), symptom="diarrhoea")
    client.force_login(reader)

    page = client.get("/handbook/").context["page"]

    assert [topic.slug for topic in page] == ["cough", "diarrhoea", "rash"]


def test_the_number_of_queries_does_not_grow_with_topics(client, reader, editor, editor2):
    client.force_login(reader)
    _publish_many(editor2, editor, 8)
    client.get("/handbook/")  # warm up (content types, sessions)
    with CaptureQueriesContext(connection) as few:
        assert client.get("/handbook/").status_code == 200

    _publish_many(editor2, editor, 92, start=8)
    with CaptureQueriesContext(connection) as many:
        response = client.get("/handbook/")

    assert len(response.context["page"].object_list) == 50  # paginated
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


def test_the_index_refuses_post(client, reader):
    client.force_login(reader)

    assert client.post("/handbook/").status_code == 405


def test_the_index_needs_sign_in(client):
    assert client.get("/handbook/").status_code == 302
