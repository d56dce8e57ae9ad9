"""The dose calculator is reachable from the topic's contents and from a triage result, pre-filled
with the child's latest weight (and date of birth)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from cloudpeds.patients.models import GrowthMeasurement
from tests.factories import DosingRuleFactory, DrugFactory, FormulationFactory

pytestmark = pytest.mark.django_db


def _drug_for(topic):
    drug = DrugFactory(slug="paracetamol", is_demo=True)
    drug.topics.add(topic)
    DosingRuleFactory(drug=drug, mg_per_kg=15, max_dose_mg=1000, doses_per_day=4)
    FormulationFactory(drug=drug, strength_mg=120, volume_ml=5)
    return drug


def test_the_topic_contents_link_to_the_calculator(client, reader, fever) -> None:
    _drug_for(fever.topic)
    client.force_login(reader)

    html = client.get(reverse("handbook:topic", args=["fever"]) + "?weight=9.5&born=2025-06-01").content.decode()

    assert 'data-testid="toc-dosing"' in html and 'href="#dosing-calculator"' in html
    assert "?weight=9.5&amp;born=2025-06-01" in html  # the fragment is asked for pre-filled


def test_a_topic_without_drugs_has_no_calculator_link(client, reader, fever) -> None:
    client.force_login(reader)
    html = client.get(reverse("handbook:topic", args=["fever"])).content.decode()
    assert 'data-testid="toc-dosing"' not in html


def test_the_calculator_opens_pre_filled(client, reader, fever) -> None:
    _drug_for(fever.topic)
    client.force_login(reader)

    html = client.get(reverse("handbook:dosing", args=["fever"]) + "?weight=9.5&born=2025-06-01").content.decode()

    assert 'value="9.5"' in html
    assert 'value="2025-06-01"' in html


def test_the_triage_result_links_to_the_calculator_with_the_latest_weight(client, doctor, cough, child) -> None:
    _drug_for(cough.pathway.topic)
    today = timezone.localdate()
    GrowthMeasurement.objects.create(
        patient=child, measured_on=today - timedelta(days=30), weight_kg=Decimal("8.1"), recorded_by=doctor
    )
    GrowthMeasurement.objects.create(patient=child, measured_on=today, weight_kg=Decimal("8.6"), recorded_by=doctor)
    answers = {q.key: ("no" if q.kind == "yes_no" else None) for q in cough.spec.questions}
    run = cough.run(doctor, answers, born=child.date_of_birth, patient=child)
    client.force_login(doctor)

    html = client.get(run.get_absolute_url()).content.decode()

    topic_url = reverse("handbook:topic", args=[cough.pathway.topic.slug])
    assert f'href="{topic_url}?born={child.date_of_birth.isoformat()}&amp;weight=8.60#dosing-calculator"' in html
