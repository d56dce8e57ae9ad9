"""The dosing calculator fragment on a topic page."""

from __future__ import annotations

import pytest

from tests.factories import DosingRuleFactory, DrugFactory, FormulationFactory, TopicFactory

pytestmark = pytest.mark.django_db

URL = "/handbook/topics/fever/dosing/"


@pytest.fixture
def paracetamol(fever):
    drug = DrugFactory(slug="paracetamol", is_demo=True)
    drug.topics.add(fever.topic)
    DosingRuleFactory(drug=drug, mg_per_kg=15, max_dose_mg=1000, doses_per_day=4)
    FormulationFactory(drug=drug, strength_mg=120, volume_ml=5)
    return drug


@pytest.fixture
def reader_client(client, reader):
    client.force_login(reader)
    return client


def test_the_fragment_offers_the_calculator(reader_client, paracetamol) -> None:
    response = reader_client.get(URL, headers={"HX-Request": "true"})

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="dosing-calculator"' in html
    assert "<html" not in html  # a fragment for the topic page
    assert "Paracetamol" in html
    assert "Demonstration doses" in html


def test_a_weight_gives_the_dose_and_the_volume(reader_client, paracetamol) -> None:
    response = reader_client.post(
        URL, {"weight_kg": "7.3", "age_value": "8", "age_unit": "months"}, headers={"HX-Request": "true"}
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "109.5 mg" in html
    assert "4.6 ml" in html
    assert 'data-testid="capped"' not in html


def test_the_cap_is_shown(reader_client, paracetamol) -> None:
    html = reader_client.post(
        URL, {"weight_kg": "80", "age_value": "15", "age_unit": "years"}, headers={"HX-Request": "true"}
    ).content.decode()

    assert "1000.0 mg" in html
    assert "41.6 ml" in html
    assert "capped at the maximum dose (1000 mg)" in html


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"weight_kg": "0", "age_value": "2", "age_unit": "years"}, "it must be more than 0 kg"),
        ({"weight_kg": "151", "age_value": "15", "age_unit": "years"}, "151 kg is not a child&#x27;s weight"),
        ({"weight_kg": "0.05"}, "Enter the child&#x27;s date of birth"),
        ({"weight_kg": "10", "age_value": "3"}, "Choose the unit of the age"),
        ({"weight_kg": "30", "age_value": "2", "age_unit": "months"}, "is not plausible for a child of 2 months"),
    ],
)
def test_an_impossible_weight_is_refused_with_a_message(reader_client, paracetamol, data, message) -> None:
    response = reader_client.post(URL, data, headers={"HX-Request": "true"})

    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert 'data-testid="doses"' not in html


def test_without_htmx_the_calculator_is_a_page(reader_client, paracetamol) -> None:
    response = reader_client.post(URL, {"weight_kg": "10", "age_value": "2", "age_unit": "years"})

    assert response.status_code == 200
    assert "<html" in response.content.decode()
    assert "150.0 mg" in response.content.decode()


def test_a_topic_without_drugs_shows_nothing(reader_client, fever) -> None:
    response = reader_client.get(URL, headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert response.content == b""


def test_an_unpublished_topic_is_404(reader_client, editor) -> None:
    TopicFactory(slug="draft-topic", created_by=editor)

    assert reader_client.get("/handbook/topics/draft-topic/dosing/").status_code == 404


def test_wrong_method(reader_client, paracetamol) -> None:
    assert reader_client.put(URL).status_code == 405
    assert reader_client.delete(URL).status_code == 405


def test_signed_out_visitors_are_sent_to_sign_in(client, paracetamol) -> None:
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
