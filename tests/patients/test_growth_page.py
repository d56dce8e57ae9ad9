"""The patient page's growth charts, z-scores and malnutrition classification."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cloudpeds.patients.models import GrowthMeasurement

from ..factories import PatientFactory


def _url(patient) -> str:
    return f"/patients/{patient.public_id}/"


@pytest.fixture
def toddler(doctor, yangpu):
    """A girl of 765 days (25 months) at Yangpu."""
    return PatientFactory(
        hospital=yangpu,
        registered_by=doctor,
        name="杨梓涵",
        sex="female",
        date_of_birth=timezone.localdate() - timedelta(days=765),
    )


def _measure(patient, doctor, days_old: int, weight: str | None, height: str | None, **extra) -> GrowthMeasurement:
    return GrowthMeasurement.objects.create(
        patient=patient,
        measured_on=patient.date_of_birth + timedelta(days=days_old),
        weight_kg=None if weight is None else Decimal(weight),
        height_cm=None if height is None else Decimal(height),
        recorded_by=doctor,
        **extra,
    )


def _chart_json(content: str) -> dict:
    start = content.index('<script id="growth-charts" type="application/json">')
    start = content.index(">", start) + 1
    return json.loads(content[start : content.index("</script>", start)])


def test_the_latest_measurement_shows_moderate_wasting(doctor_client, doctor, toddler) -> None:
    _measure(toddler, doctor, 365, "8.60", "73.5")
    # 762 days, standing: WFH z −2.38 (WHO girls 85.5 cm), MUAC 123 mm: moderate by both.
    _measure(toddler, doctor, 762, "9.40", "85.5", muac_mm=123)

    response = doctor_client.get(_url(toddler))

    content = response.content.decode()
    latest = content[content.index('data-testid="latest-growth"') :]
    latest = latest[: latest.index("</ul>")]
    assert "Moderate acute malnutrition" in latest
    assert "Weight-for-length/height: -2.38 (Wasted)" in latest
    assert "Length/height-for-age: -0.34 (Normal)" in latest
    assert response.context["latest_growth"].measurement.muac_mm == 123


def test_the_charts_draw_the_childs_points_over_the_who_curves(doctor_client, doctor, toddler) -> None:
    _measure(toddler, doctor, 365, "8.60", "73.5")
    _measure(toddler, doctor, 762, "9.40", "85.5")

    content = doctor_client.get(_url(toddler)).content.decode()

    data = _chart_json(content)
    charts = {chart["id"]: chart for chart in data["charts"]}
    assert list(charts) == [
        "growth-chart-wfa",
        "growth-chart-lhfa",
        "growth-chart-wfl",
        "growth-chart-wfh",
        "growth-chart-bmi",
    ]
    assert charts["growth-chart-wfa"]["points"] == [[11.99, 8.6], [25.03, 9.4]]
    assert charts["growth-chart-wfl"]["points"] == [[73.5, 8.6]]  # under 2: length
    assert charts["growth-chart-wfh"]["points"] == [[85.5, 9.4]]  # from 2: height
    assert set(charts["growth-chart-wfa"]["curves"]) == {"-3", "-2", "0", "2", "3"}
    assert charts["growth-chart-wfa"]["curves"]["0"][12] == [12, 8.948]  # WHO girls' median at 12 months
    for chart in charts.values():
        assert f'<canvas id="{chart["id"]}" role="img"' in content
    assert "vendor/chartjs/chart.umd.min.js" in content
    assert "js/patients_growth.js" in content
    assert "cdn" not in content.lower()


def test_the_numbers_are_in_a_table_that_becomes_cards_on_a_phone(doctor_client, doctor, toddler) -> None:
    _measure(toddler, doctor, 762, "9.40", "85.5", muac_mm=123)

    content = doctor_client.get(_url(toddler)).content.decode()

    table = content[content.index('data-testid="growth-table"') - 80 :]
    table = table[: table.index("</table>")]
    assert "table-cards table-cards-kv" in table
    assert 'data-label="WFL/H z"' in table
    assert re.search(r'data-label="WFL/H z"\s+title="Wasted">-2.38</td>', table)
    assert 'data-label="MUAC (mm)"' in table and "123" in table


def test_a_child_of_five_is_not_scored(doctor_client, doctor, yangpu) -> None:
    child = PatientFactory(
        hospital=yangpu, registered_by=doctor, date_of_birth=timezone.localdate() - timedelta(days=6 * 365)
    )
    _measure(child, doctor, 5 * 365 + 30, "19.0", "112.0")

    content = doctor_client.get(_url(child)).content.decode()

    assert "Not covered by the WHO 2006 standard (birth to 5 years)." in content
    assert 'id="growth-charts"' not in content


def test_the_page_in_chinese(client, doctor, toddler) -> None:
    doctor.preferred_language = "zh-hans"
    doctor.save(update_fields=["preferred_language"])
    client.force_login(doctor)
    _measure(toddler, doctor, 762, "9.40", "85.5", muac_mm=123)

    content = client.get(_url(toddler)).content.decode()

    assert "中度急性营养不良" in content
    assert "身长/身高别体重" in content
    assert "Moderate acute malnutrition" not in content
    assert _chart_json(content)["charts"][0]["title"] == "年龄别体重"


def _count_page_queries(client, patient) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(_url(patient))
    assert response.status_code == 200
    return len(queries)


def test_the_query_count_does_not_grow_with_the_measurements(doctor_client, doctor, toddler) -> None:
    for month in range(2):
        _measure(toddler, doctor, 30 * month + 10, "4.0", "55.0")
    small = _count_page_queries(doctor_client, toddler)

    for month in range(2, 24):
        _measure(toddler, doctor, 30 * month + 10, "8.0", "70.0", muac_mm=135)
    large = _count_page_queries(doctor_client, toddler)

    assert len(doctor_client.get(_url(toddler)).context["growth"]) == 24
    assert large == small


def test_another_hospital_gets_404_and_other_roles_403(client, outsider, group_admin, doctor, toddler) -> None:
    _measure(toddler, doctor, 762, "9.40", "85.5")

    client.force_login(outsider)
    assert client.get(_url(toddler)).status_code == 404
    client.force_login(group_admin)
    assert client.get(_url(toddler)).status_code == 403


def test_adding_a_measurement_with_muac_redraws_the_section(doctor_client, toddler) -> None:
    today = timezone.localdate().isoformat()
    response = doctor_client.post(
        f"/patients/{toddler.public_id}/measurements/",
        {"measured_on": today, "weight_kg": "9.40", "height_cm": "85.5", "muac_mm": "112"},
        headers={"HX-Request": "true"},
    )

    content = response.content.decode()
    assert response.status_code == 200
    assert "Severe acute malnutrition" in content  # MUAC below 115 mm
    assert _chart_json(content)["charts"]
    measurement = GrowthMeasurement.objects.get()
    assert (measurement.muac_mm, measurement.oedema_both_feet) == (112, False)


def test_oedema_alone_is_a_measurement(doctor_client, toddler) -> None:
    today = timezone.localdate().isoformat()
    response = doctor_client.post(
        f"/patients/{toddler.public_id}/measurements/",
        {"measured_on": today, "oedema_both_feet": "on"},
        headers={"HX-Request": "true"},
    )

    assert "Severe acute malnutrition" in response.content.decode()
    assert GrowthMeasurement.objects.get().oedema_both_feet is True


@pytest.mark.parametrize("value", ["49", "401"])
def test_an_implausible_muac_is_refused(doctor_client, toddler, value) -> None:
    response = doctor_client.post(
        f"/patients/{toddler.public_id}/measurements/",
        {"measured_on": timezone.localdate().isoformat(), "muac_mm": value},
        headers={"HX-Request": "true"},
    )

    assert "Mid-upper arm circumference must be between 50 and 400 mm." in response.content.decode()
    assert not GrowthMeasurement.objects.exists()


@pytest.mark.parametrize("value", ["50", "400"])
def test_the_muac_limits_themselves_are_plausible(doctor_client, toddler, value) -> None:
    doctor_client.post(
        f"/patients/{toddler.public_id}/measurements/",
        {"measured_on": timezone.localdate().isoformat(), "muac_mm": value},
    )

    assert GrowthMeasurement.objects.get().muac_mm == int(value)
