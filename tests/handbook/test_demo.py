"""The demo handbook (handbook/demo/: its content folder imported through the workflow) and
the scale data (handbook/demo/scale.py). The demo is seeded once for this module."""

from __future__ import annotations

import io

import pytest

from cloudpeds.accounts.models import User
from handbook import demo as handbook_demo
from handbook.demo import scale
from handbook.models import (
    ClassificationRow,
    Drug,
    Pathway,
    PathwayVersion,
    SearchDocument,
    Section,
    Topic,
    TopicVersion,
    VersionStatus,
)
from handbook.search import query_words

pytestmark = pytest.mark.django_db


def _rows() -> dict:
    return {
        model.__name__: sorted(map(repr, model.objects.values_list()))
        for model in (Topic, TopicVersion, Section, ClassificationRow, Pathway, PathwayVersion, Drug)
    }


# Tables whose guidance has no yellow class: the topic does not invent one.
NO_MIDDLE_CLASS = {"hand-foot-and-mouth-disease"}


def test_the_demo_has_eight_published_bilingual_topics(demo):
    topics = Topic.objects.published().with_current()

    assert set(topics.values_list("slug", flat=True)) >= {
        "cough-or-difficult-breathing",
        "fever",
        "diarrhoea",
        "vomiting",
        "rash",
        "convulsions",
        "neonatal-jaundice",
        "abdominal-pain",
    }
    for topic in topics:
        version = topic.current_version
        assert topic.is_demo
        assert (version.author.username, version.approved_by.username) == ("editor2", "editor")
        assert version.title_zh and version.title_en
        assert version.sections.exclude(body_zh="").count() == 8
        assert version.sections.exclude(body_en="").count() == 8
        colours = set(version.classification_rows.values_list("colour", flat=True))
        if topic.slug in NO_MIDDLE_CLASS:  # the NHC guideline: common, severe or critical disease
            assert colours == {"red", "green"}, topic.slug
        elif topic.slug != "immunisation-schedule":  # a schedule, not a classification table
            assert colours >= {"red", "yellow"}, topic.slug
        references = version.sections.get(kind="references").body_en
        assert any(source in references for source in ("WHO", "NICE", "National Health Commission")), topic.slug


def test_the_cough_topic_has_the_chest_indrawing_change(demo):
    old, new, current = TopicVersion.objects.filter(topic__slug="cough-or-difficult-breathing").order_by("number")

    assert (old.status, new.status, current.status) == ("superseded", "superseded", "published")
    # Version 3 writes the fast-breathing thresholds into the table, as the pathway counts them.
    assert "50 or more from 2 to 12 months" in current.classification_rows.get(colour="yellow").signs_en
    assert old.classification_rows.get(signs_en__icontains="chest indrawing").colour == "red"
    assert new.classification_rows.get(signs_en__icontains="chest indrawing").colour == "yellow"


def test_the_cough_lecture_is_there_on_any_machine(demo):
    """The clip ships with the code: no ffmpeg needed, and the chapters fall inside it."""
    version = TopicVersion.objects.get(topic__slug="cough-or-difficult-breathing", number=2)

    assert version.video.name == "handbook/videos/cough-or-difficult-breathing/v2.mp4"
    assert version.video_content_type == "video/mp4"
    with version.video.open("rb") as stored:
        assert stored.read() == handbook_demo.DEMO_VIDEO.read_bytes()
    chapters = dict(version.sections.exclude(video_start_seconds=None).values_list("kind", "video_start_seconds"))
    assert chapters == {"assess": 0, "danger_signs": 8, "classification": 16, "management": 24, "parent_advice": 32}
    assert max(chapters.values()) < 40  # the shipped clip's length
    assert handbook_demo.DEMO_VIDEO.stat().st_size < 500 * 1024


def test_the_demo_says_nothing_about_ffmpeg(demo):
    out = io.StringIO()

    handbook_demo.seed(out)

    assert "ffmpeg" not in out.getvalue()
    assert "no video" not in out.getvalue()


def test_the_demo_is_idempotent(demo):
    first = _rows()
    out = io.StringIO()

    handbook_demo.seed(out)

    assert _rows() == first
    assert "0 versions added" in out.getvalue()


def test_the_demo_editor2_is_a_handbook_editor(demo):
    assert User.objects.get(username="editor2").has_role("handbook_editor")


def test_a_demo_topic_past_its_review_date_is_listed(demo):
    assert "abdominal-pain" in set(Topic.objects.due_for_review().values_list("slug", flat=True))


def test_three_demo_pathways_are_published_by_two_editors(demo) -> None:
    pathways = Pathway.objects.select_related("current_version__author", "current_version__approved_by", "topic")

    assert {(p.slug, p.topic.slug, p.specialty) for p in pathways} == {
        ("cough", "cough-or-difficult-breathing", "respiratory"),
        ("fever", "fever", "infectious_diseases"),
        ("diarrhoea", "diarrhoea", "gastroenterology"),
    }
    for pathway in pathways:
        assert pathway.is_demo
        assert pathway.current_version.status == VersionStatus.PUBLISHED
        assert pathway.current_version.author.username == "editor2"
        assert pathway.current_version.approved_by.username == "editor"


def test_every_stored_case_of_every_demo_pathway_passes(demo) -> None:
    for version in PathwayVersion.objects.with_content():
        results = version.test_results()
        assert results
        assert [result.name for result in results if not result.passed] == []


def test_the_demo_drugs_are_linked_to_their_topics(demo) -> None:
    drugs = {drug.slug: drug for drug in Drug.objects.prefetch_related("topics", "formulations", "dosing_rules")}

    assert set(drugs) == {"paracetamol", "ibuprofen", "amoxicillin"}
    assert [topic.slug for topic in drugs["amoxicillin"].topics.all()] == ["cough-or-difficult-breathing"]
    assert {topic.slug for topic in drugs["paracetamol"].topics.all()} == {"fever"}
    paracetamol = drugs["paracetamol"].formulations.get(strength_mg=120)
    assert paracetamol.mg_per_ml == 24
    assert all(drug.is_demo for drug in drugs.values())


def test_seeding_again_changes_no_pathway_and_no_drug(demo) -> None:
    before = (PathwayVersion.objects.count(), list(Drug.objects.values_list("pk", flat=True)))

    handbook_demo.seed(io.StringIO())

    assert PathwayVersion.objects.count() == before[0] == 5  # fever and cough have two versions
    assert sorted(Drug.objects.values_list("pk", flat=True)) == sorted(before[1])


def test_scale_data_is_bulk_published_searchable_and_idempotent(demo):
    scale.seed_scale(io.StringIO(), factor=0.01)  # 20 topics
    count = Topic.objects.filter(slug__startswith="scale-").count()
    scale.seed_scale(io.StringIO(), factor=0.01)

    assert count == 20
    assert Topic.objects.filter(slug__startswith="scale-").count() == 20
    assert Topic.objects.published().filter(slug__startswith="scale-").count() == 20
    assert SearchDocument.objects.filter(topic__slug__startswith="scale-", vector__isnull=False).count() == 20
    # The demo topics still come first for their own words.
    assert SearchDocument.objects.matching(query_words("发热")).first().topic.slug == "fever"
    assert SearchDocument.objects.matching(query_words("fever")).first().topic.slug == "fever"
