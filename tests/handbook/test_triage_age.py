"""The child's age for the triage tables: completed calendar months, days, half-open bands."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import translation

from handbook.triage import (
    AgeBand,
    AgeBound,
    ChildAge,
    add_months,
    age_in_days,
    birth_date_for,
    completed_months,
)

BORN = date(2025, 11, 26)

YOUNG_INFANT = AgeBand(end=AgeBound(60, "days"))
INFANT = AgeBand(AgeBound(60, "days"), AgeBound(12, "months"))
CHILD = AgeBand(AgeBound(12, "months"), AgeBound(60, "months"))


@pytest.mark.parametrize(
    ("on", "months"),
    [
        (date(2025, 11, 26), 0),
        (date(2025, 12, 25), 0),
        (date(2025, 12, 26), 1),
        (date(2026, 11, 25), 11),  # 11 months 30 days
        (date(2026, 11, 26), 12),  # the first birthday: exactly 12 months
        (date(2030, 11, 25), 59),
        (date(2030, 11, 26), 60),  # exactly 5 years
    ],
)
def test_completed_months_count_calendar_months(on, months) -> None:
    assert completed_months(BORN, on) == months


def test_a_child_born_on_the_31st_completes_a_month_on_the_31st_or_the_first_of_the_next_month() -> None:
    # Same count as the age on the patient page (cloudpeds.patients.age).
    born = date(2025, 1, 31)

    assert completed_months(born, date(2025, 2, 28)) == 0
    assert completed_months(born, date(2025, 3, 1)) == 1
    assert completed_months(born, date(2025, 3, 31)) == 2


@pytest.mark.parametrize(("on", "days"), [(date(2025, 3, 1), 59), (date(2025, 3, 2), 60)])
def test_age_in_days(on, days) -> None:
    assert age_in_days(date(2025, 1, 1), on) == days


def test_an_assessment_before_birth_is_refused() -> None:
    with pytest.raises(ValueError):
        ChildAge.between(date(2025, 1, 2), date(2025, 1, 1))


@pytest.mark.parametrize(
    ("born", "on", "young_infant", "infant", "child"),
    [
        # 59 days is already 2 calendar months (1 January to 1 March): the young infant band
        # counts days, so the child is still in it, and not yet in the next one.
        (date(2025, 1, 1), date(2025, 3, 1), True, False, False),
        (date(2025, 1, 1), date(2025, 3, 2), False, True, False),  # 60 days
        # 60 days but only 1 completed month (born 31 March): no gap between the bands.
        (date(2025, 3, 31), date(2025, 5, 30), False, True, False),
        (BORN, date(2026, 11, 24), False, True, False),  # 11 months 29 days
        (BORN, date(2026, 11, 25), False, True, False),  # 11 months 30 days
        (BORN, date(2026, 11, 26), False, False, True),  # exactly 12 months
        (BORN, date(2030, 11, 25), False, False, True),  # 4 years 11 months 30 days
        (BORN, date(2030, 11, 26), False, False, False),  # exactly 5 years: out of the band
    ],
)
def test_half_open_bands_at_every_boundary(born, on, young_infant, infant, child) -> None:
    age = ChildAge.between(born, on)

    assert (YOUNG_INFANT.covers(age), INFANT.covers(age), CHILD.covers(age)) == (young_infant, infant, child)


def test_every_age_under_five_years_is_in_exactly_one_band() -> None:
    born = date(2024, 2, 29)
    for offset in range(0, 5 * 366):
        on = date.fromordinal(born.toordinal() + offset)
        age = ChildAge.between(born, on)
        if age.months >= 60:
            break
        assert [YOUNG_INFANT.covers(age), INFANT.covers(age), CHILD.covers(age)].count(True) == 1, on


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 3, 31), -1, date(2026, 2, 28)),
        (date(2024, 3, 31), -1, date(2024, 2, 29)),
        (date(2025, 11, 26), 12, date(2026, 11, 26)),
        (date(2025, 1, 31), 1, date(2025, 2, 28)),
    ],
)
def test_add_months_clamps_to_the_end_of_the_month(day, months, expected) -> None:
    assert add_months(day, months) == expected


@pytest.mark.parametrize(
    ("value", "unit", "days", "months"),
    [
        (59, "days", 59, None),
        (10, "months", None, 10),
        (12, "months", None, 12),
        (1, "years", None, 12),
        (4, "years", None, 48),
    ],
)
def test_an_age_typed_in_is_exact_on_the_day(value, unit, days, months) -> None:
    today = date(2026, 3, 31)

    age = ChildAge.between(birth_date_for(value, unit, today), today)

    if days is not None:
        assert age.days == days
    if months is not None:
        assert age.months == months


@translation.override("en")
def test_band_labels_read_like_the_chart() -> None:
    assert AgeBand(AgeBound(2, "months"), AgeBound(12, "months")).label() == "2–12 months"
    assert INFANT.label() == "60 days to under 12 months"
    assert CHILD.label() == "12 months to under 5 years"
    assert YOUNG_INFANT.label() == "under 60 days"


def test_one_age_module_decides_the_bands_of_triage_and_of_consultation_vitals() -> None:
    """Born 1 January, seen 1 March: 59 days but 2 calendar months. The triage and the
    consultation's vitals read the same ChildAge (cloudpeds.core.ages): a young infant for both."""
    from consultations import vitals
    from handbook import triage

    born, on = date(2025, 1, 1), date(2025, 3, 1)
    age = ChildAge.between(born, on)

    assert triage.ChildAge is vitals.ChildAge
    assert (age.days, age.months) == (59, 2)
    assert YOUNG_INFANT.covers(age) and not INFANT.covers(age)
    assert vitals.age_in_months(born, on) == 1  # under 2 months for the vitals' month bands
    assert not vitals.abnormal_notes("respiratory_rate", 59, born, on)
    assert vitals.abnormal_notes("respiratory_rate", 60, born, on)  # young infant threshold: 60
    # One day later (60 days) both move on: the 2-12 months band, fast breathing from 50.
    later = date(2025, 3, 2)
    assert INFANT.covers(ChildAge.between(born, later))
    assert not vitals.abnormal_notes("respiratory_rate", 49, born, later)
    assert vitals.abnormal_notes("respiratory_rate", 50, born, later)
