"""The demo pathways and drugs: published through the real workflow, every case passing."""

from __future__ import annotations

import io

import pytest

from handbook import demo_triage
from handbook.models import Drug, Pathway, PathwayVersion, VersionStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(demo):
    """The demo accounts and handbook (the `demo` fixture), then the triage demo."""
    out = io.StringIO()
    demo_triage.seed(out)
    return out.getvalue()


def test_three_demo_pathways_are_published_by_two_editors(seeded) -> None:
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


def test_every_stored_case_of_every_demo_pathway_passes(seeded) -> None:
    for version in PathwayVersion.objects.with_content():
        results = version.test_results()
        assert results
        assert [result.name for result in results if not result.passed] == []


def test_the_demo_drugs_are_linked_to_their_topics(seeded) -> None:
    drugs = {drug.slug: drug for drug in Drug.objects.prefetch_related("topics", "formulations", "dosing_rules")}

    assert set(drugs) == {"paracetamol", "ibuprofen", "amoxicillin"}
    assert [topic.slug for topic in drugs["amoxicillin"].topics.all()] == ["cough-or-difficult-breathing"]
    assert {topic.slug for topic in drugs["paracetamol"].topics.all()} == {"fever"}
    paracetamol = drugs["paracetamol"].formulations.get(strength_mg=120)
    assert paracetamol.mg_per_ml == 24
    assert all(drug.is_demo for drug in drugs.values())


def test_seeding_again_changes_nothing(seeded) -> None:
    before = (PathwayVersion.objects.count(), list(Drug.objects.values_list("pk", flat=True)))

    demo_triage.seed(io.StringIO())

    assert PathwayVersion.objects.count() == before[0] == 3
    assert sorted(Drug.objects.values_list("pk", flat=True)) == sorted(before[1])
