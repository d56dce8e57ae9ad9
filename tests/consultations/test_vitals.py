"""Vital signs: impossible values are refused (naming the field), values abnormal for the
child's age are accepted and flagged. Boundaries on both sides of every limit."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from consultations.vitals import abnormal_notes, age_in_months, implausible, implausible_values, readings

ON = date(2025, 6, 15)


def born_months_ago(months: int, days_less: int = 0) -> date:
    """A birth date `months` whole months before ON (minus `days_less` days: not quite there yet)."""
    year, month = divmod(ON.month - 1 - months, 12)
    born = date(ON.year + year, month + 1, ON.day)
    return born.fromordinal(born.toordinal() + days_less)


def test_age_in_completed_months() -> None:
    assert age_in_months(born_months_ago(12), ON) == 12
    assert age_in_months(born_months_ago(12, days_less=1), ON) == 11
    assert age_in_months(born_months_ago(2), ON) == 2
    assert age_in_months(born_months_ago(0), ON) == 0
    assert age_in_months(ON, date(2025, 1, 1)) == 0  # measured "before birth": treated as a newborn


# --- Refused: not a real measurement ---------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "refused"),
    [
        (Decimal("29.9"), True),
        (Decimal("30.0"), False),
        (Decimal("45.0"), False),
        (Decimal("45.1"), True),
        (Decimal("52"), True),
    ],
)
def test_temperature_limits(value, refused) -> None:
    message = implausible("temperature_c", value, born_months_ago(30), ON)
    assert bool(message) is refused


def test_the_refusal_names_the_field_the_value_and_the_range() -> None:
    message = implausible("temperature_c", Decimal("52"), born_months_ago(30), ON)

    assert message == "Temperature of 52.0 °C is not plausible: enter a value from 30.0 to 45.0 °C."


@pytest.mark.parametrize(
    ("months", "value", "refused"),
    [
        (11, 39, True),
        (11, 40, False),
        (11, 250, False),
        (11, 251, True),
        (12, 29, True),  # 12 months is "older": 30-220
        (12, 30, False),
        (12, 220, False),
        (12, 221, True),
        (30, 400, True),
    ],
)
def test_heart_rate_limits_depend_on_age(months, value, refused) -> None:
    assert bool(implausible("heart_rate", value, born_months_ago(months), ON)) is refused


def test_heart_rate_band_changes_exactly_at_one_year() -> None:
    just_under = born_months_ago(12, days_less=1)

    assert implausible("heart_rate", 230, just_under, ON) is None
    assert "Heart rate of 230 /min" in implausible("heart_rate", 230, born_months_ago(12), ON)


@pytest.mark.parametrize(
    ("months", "value", "refused"),
    [
        (6, 4, True),
        (6, 5, False),
        (6, 120, False),
        (6, 121, True),
        (12, 80, False),
        (12, 81, True),
    ],
)
def test_respiratory_rate_limits(months, value, refused) -> None:
    assert bool(implausible("respiratory_rate", value, born_months_ago(months), ON)) is refused


@pytest.mark.parametrize(("value", "refused"), [(49, True), (50, False), (100, False), (101, True)])
def test_spo2_limits(value, refused) -> None:
    assert bool(implausible("spo2", value, born_months_ago(30), ON)) is refused


@pytest.mark.parametrize(
    ("months", "value", "refused"),
    [
        (0, Decimal("0.39"), True),
        (0, Decimal("0.4"), False),
        (0, Decimal("7"), False),
        (0, Decimal("7.01"), True),
        (24, Decimal("4.99"), True),
        (24, Decimal("5"), False),
        (24, Decimal("30"), False),
        (24, Decimal("30.01"), True),
        (24, Decimal("300"), True),
        (36, Decimal("45"), False),  # a heavy 3-year-old is a child, not a typo
        (15 * 12, Decimal("150"), False),
    ],
)
def test_weight_is_plausible_for_the_age(months, value, refused) -> None:
    assert bool(implausible("weight_kg", value, born_months_ago(months), ON)) is refused


def test_the_weight_refusal_gives_the_childs_age_and_the_range() -> None:
    message = implausible("weight_kg", Decimal("300"), born_months_ago(24), ON)

    assert message == "Weight of 300 kg is not plausible for a child of 2 years: enter a value from 5 to 30 kg."


@pytest.mark.parametrize(
    ("months", "value", "refused"),
    [
        (0, Decimal("24.9"), True),
        (0, Decimal("25"), False),
        (0, Decimal("65"), False),
        (0, Decimal("65.1"), True),
        (24, Decimal("150"), True),
        (10 * 12, Decimal("150"), False),
    ],
)
def test_height_is_plausible_for_the_age(months, value, refused) -> None:
    assert bool(implausible("height_cm", value, born_months_ago(months), ON)) is refused


def test_implausible_values_reports_each_field_and_skips_missing_ones() -> None:
    values = {"temperature_c": Decimal("52"), "heart_rate": 400, "spo2": None, "weight_kg": Decimal("12")}

    errors = implausible_values(values, born_months_ago(24), ON)

    assert set(errors) == {"temperature_c", "heart_rate"}
    assert errors["heart_rate"].startswith("Heart rate of 400 /min is not plausible")


# --- Accepted but flagged: abnormal for the age ----------------------------------------------


@pytest.mark.parametrize(
    ("value", "flagged"),
    [(Decimal("35.9"), True), (Decimal("36.0"), False), (Decimal("37.9"), False), (Decimal("38.0"), True)],
)
def test_fever_and_hypothermia(value, flagged) -> None:
    assert bool(abnormal_notes("temperature_c", value, born_months_ago(30), ON)) is flagged


@pytest.mark.parametrize(
    ("born", "value", "flagged"),
    [
        # the young infant (under 60 days, cloudpeds.core.ages, as the triage counts): 60 or more
        (ON - timedelta(days=59), 59, False),
        (ON - timedelta(days=59), 60, True),
        # 60 days is in the 2-12 months band even one day short of 2 calendar months: 50 or more
        (born_months_ago(2, days_less=1), 49, False),
        (born_months_ago(2, days_less=1), 50, True),
        # exactly 2 months is in the 2-12 months band: 50 or more
        (born_months_ago(2), 49, False),
        (born_months_ago(2), 50, True),
        (born_months_ago(12, days_less=1), 49, False),
        (born_months_ago(12, days_less=1), 50, True),
        # exactly 12 months is in the 12 months-5 years band: 40 or more
        (born_months_ago(12), 39, False),
        (born_months_ago(12), 40, True),
        (born_months_ago(60, days_less=1), 39, False),
        (born_months_ago(60, days_less=1), 40, True),
        # from 5 years (beyond IMCI): 30 or more
        (born_months_ago(60), 29, False),
        (born_months_ago(60), 30, True),
    ],
)
def test_fast_breathing_uses_the_imci_thresholds_with_half_open_age_bands(born, value, flagged) -> None:
    assert bool(abnormal_notes("respiratory_rate", value, born, ON)) is flagged


def test_fast_breathing_note_says_which_threshold() -> None:
    notes = abnormal_notes("respiratory_rate", 40, born_months_ago(12), ON)

    assert [str(note) for note in notes] == ["fast breathing (40 or more from 12 months to 5 years)"]


@pytest.mark.parametrize(
    ("months", "value", "flagged"),
    [(6, 160, False), (6, 161, True), (6, 99, True), (6, 100, False), (30, 140, False), (30, 141, True)],
)
def test_heart_rate_outside_the_usual_range_for_age(months, value, flagged) -> None:
    assert bool(abnormal_notes("heart_rate", value, born_months_ago(months), ON)) is flagged


@pytest.mark.parametrize(("value", "flagged"), [(94, True), (95, False), (100, False)])
def test_low_oxygen_saturation(value, flagged) -> None:
    assert bool(abnormal_notes("spo2", value, born_months_ago(30), ON)) is flagged


def test_readings_keep_a_fixed_order_format_values_and_skip_what_was_not_measured() -> None:
    values = {
        "weight_kg": Decimal("12.50"),
        "temperature_c": Decimal("38.5"),
        "spo2": 97,
        "heart_rate": None,
        "respiratory_rate": 44,
        "height_cm": Decimal("88.0"),
    }

    result = readings(values, born_months_ago(30), ON)

    assert [(r.field, r.value, r.unit, r.is_abnormal) for r in result] == [
        ("temperature_c", "38.5", "°C", True),
        ("respiratory_rate", "44", "/min", True),
        ("spo2", "97", "%", False),
        ("weight_kg", "12.5", "kg", False),
        ("height_cm", "88", "cm", False),
    ]
    assert [str(note) for note in result[0].notes] == ["fever"]
