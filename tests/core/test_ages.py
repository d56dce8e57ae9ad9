"""One age for the whole portal (cloudpeds.core.ages): triage and the consultation form's vital
signs put a child in the same IMCI band, the 59-days-but-2-calendar-months child included."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from cloudpeds.core.ages import ChildAge
from consultations.vitals import abnormal_notes
from handbook.demo import CONTENT
from handbook.triage import PathwaySpec

# Born on 1 January: on 1 March the child is 59 days old and 2 calendar months.
BORN = date(2026, 1, 1)
DAY_59 = date(2026, 3, 1)
DAY_60 = date(2026, 3, 2)


def _cough_says_fast(rr: int, on: date) -> bool:
    spec = PathwaySpec.from_document(json.loads((CONTENT / "pathways" / "cough.json").read_text())["document"])
    answers = {q.key: ("no" if q.kind == "yes_no" else None) for q in spec.questions}
    answers["respiratory_rate"] = Decimal(rr)
    return spec.evaluate(answers, ChildAge.between(BORN, on)).classification.code == "pneumonia"


def _vitals_say_fast(rr: int, on: date) -> bool:
    return any("fast breathing" in str(note) for note in abnormal_notes("respiratory_rate", rr, BORN, on))


def test_the_59_day_old_child_is_a_young_infant_although_two_calendar_months_old() -> None:
    age = ChildAge.between(BORN, DAY_59)
    assert (age.days, age.months) == (59, 2)
    assert age.is_young_infant
    assert age.band_months == 1


@pytest.mark.parametrize(
    ("rr", "on", "fast"),
    [
        (55, DAY_59, False),  # young infant: 60 or more
        (60, DAY_59, True),
        (50, DAY_60, True),  # 60 days: 50 or more
        (49, DAY_60, False),
    ],
)
def test_triage_and_the_consultation_form_agree(rr, on, fast) -> None:
    assert _cough_says_fast(rr, on) is fast
    assert _vitals_say_fast(rr, on) is fast


def test_61_days_in_one_calendar_month_is_in_the_2_to_12_months_band() -> None:
    age = ChildAge.between(date(2026, 7, 1), date(2026, 8, 31))
    assert (age.days, age.months, age.band_months) == (61, 1, 2)
    assert abnormal_notes("respiratory_rate", 50, date(2026, 7, 1), date(2026, 8, 31))
