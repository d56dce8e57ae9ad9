"""Vital signs of a child: what is plausible for the age, and what is abnormal for it.

Two different questions, two tables:

- PLAUSIBLE: outside these limits the number is a typo (52 °C, a heart rate of 400, grams
  typed as kilograms), not a child. The form refuses it and names the field. The weight
  and height bands are deliberately generous — roughly half the WHO -3 SD value to well
  above +3 SD for the age (WHO Child Growth Standards to 5 years, WHO 2007 reference
  after) — so that a preterm baby or an obese teenager is never refused.
- ABNORMAL: a real value that the specialist should see at once. Fever and hypothermia;
  fast breathing by the WHO IMCI thresholds (60 or more under 2 months, 50 or more from
  2 to 12 months, 40 or more from 12 months to 5 years; "or more" is inclusive and the age
  bands are half-open, so a child of exactly 12 months is in the 12-months-to-5-years
  band); heart rates outside the usual awake ranges for the age (PALS); SpO₂ below 95 %.
  These values are stored and highlighted ("abnormal for age"), never refused.

Ages are whole months completed, read through the one age module (cloudpeds.core.ages):
a child under 60 days is a young infant, in the "under 2 months" band, even on a day the
calendar already says 2 months — the handbook's triage counts the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cloudpeds.core.ages import ChildAge
from cloudpeds.patients.age import pediatric_age

Number = Decimal | int

# Age bands in completed months: [from, to). None: no upper end.
YEAR = 12


@dataclass(frozen=True)
class Band:
    from_months: int
    to_months: int | None
    low: Decimal
    high: Decimal

    def covers(self, months: int) -> bool:
        return self.from_months <= months and (self.to_months is None or months < self.to_months)


@dataclass(frozen=True)
class Threshold:
    """An abnormal-for-age rule: `value >= at_least` or `value < below` in the age band."""

    from_months: int
    to_months: int | None
    note: str | Promise
    at_least: Decimal | None = None
    below: Decimal | None = None

    def covers(self, months: int) -> bool:
        return self.from_months <= months and (self.to_months is None or months < self.to_months)

    def fires(self, value: Decimal) -> bool:
        return (self.at_least is not None and value >= self.at_least) or (self.below is not None and value < self.below)


@dataclass(frozen=True)
class Vital:
    field: str  # the Consultation field
    label: str | Promise
    unit: str
    decimals: int | None  # None: as few as the value needs (12.5 kg, 30 kg)


VITALS: tuple[Vital, ...] = (
    Vital("temperature_c", _("Temperature"), "°C", 1),
    Vital("heart_rate", _("Heart rate"), "/min", 0),
    Vital("respiratory_rate", _("Respiratory rate"), "/min", 0),
    Vital("spo2", _("SpO₂"), "%", 0),
    Vital("weight_kg", _("Weight"), "kg", None),
    Vital("height_cm", _("Height or length"), "cm", None),
)
VITAL_FIELDS = tuple(vital.field for vital in VITALS)
_BY_FIELD = {vital.field: vital for vital in VITALS}


def _d(value: str | int) -> Decimal:
    return Decimal(str(value))


def _bands(*rows: tuple[int, int | None, str | int, str | int]) -> tuple[Band, ...]:
    return tuple(Band(start, end, _d(low), _d(high)) for start, end, low, high in rows)


PLAUSIBLE: dict[str, tuple[Band, ...]] = {
    "temperature_c": _bands((0, None, "30.0", "45.0")),
    "heart_rate": _bands((0, YEAR, 40, 250), (YEAR, None, 30, 220)),
    "respiratory_rate": _bands((0, YEAR, 5, 120), (YEAR, None, 5, 80)),
    "spo2": _bands((0, None, 50, 100)),
    "weight_kg": _bands(
        (0, 1, "0.4", "7"),  # newborn: an extremely preterm baby to a large term baby
        (1, 3, "0.5", "9"),
        (3, 6, "1", "12"),
        (6, YEAR, "2", "16"),
        (YEAR, 2 * YEAR, "3.5", "22"),
        (2 * YEAR, 3 * YEAR, "5", "30"),
        (3 * YEAR, 6 * YEAR, "6", "45"),
        (6 * YEAR, 10 * YEAR, "10", "80"),
        (10 * YEAR, 14 * YEAR, "15", "120"),
        (14 * YEAR, None, "20", "160"),
    ),
    "height_cm": _bands(
        (0, 1, "25", "65"),
        (1, 6, "30", "80"),
        (6, YEAR, "45", "90"),
        (YEAR, 2 * YEAR, "55", "105"),
        (2 * YEAR, 5 * YEAR, "65", "130"),
        (5 * YEAR, 10 * YEAR, "80", "170"),
        (10 * YEAR, 14 * YEAR, "100", "195"),
        (14 * YEAR, None, "120", "220"),
    ),
}

FEVER = _d("38.0")
HYPOTHERMIA_BELOW = _d("36.0")
LOW_SPO2_BELOW = _d(95)

ABNORMAL: dict[str, tuple[Threshold, ...]] = {
    "temperature_c": (
        Threshold(0, None, _("fever"), at_least=FEVER),
        Threshold(0, None, _("hypothermia"), below=HYPOTHERMIA_BELOW),
    ),
    "respiratory_rate": (
        # WHO IMCI fast breathing.
        Threshold(0, 2, _("fast breathing (60 or more under 2 months)"), at_least=_d(60)),
        Threshold(2, YEAR, _("fast breathing (50 or more from 2 to 12 months)"), at_least=_d(50)),
        Threshold(YEAR, 5 * YEAR, _("fast breathing (40 or more from 12 months to 5 years)"), at_least=_d(40)),
        # IMCI stops at 5 years; above it, the upper limits of the usual ranges (APLS).
        Threshold(5 * YEAR, 12 * YEAR, _("fast breathing (30 or more from 5 to 12 years)"), at_least=_d(30)),
        Threshold(12 * YEAR, None, _("fast breathing (25 or more from 12 years)"), at_least=_d(25)),
    ),
    "heart_rate": (
        Threshold(0, YEAR, _("tachycardia for age (above 160)"), at_least=_d(161)),
        Threshold(YEAR, 2 * YEAR, _("tachycardia for age (above 150)"), at_least=_d(151)),
        Threshold(2 * YEAR, 5 * YEAR, _("tachycardia for age (above 140)"), at_least=_d(141)),
        Threshold(5 * YEAR, 12 * YEAR, _("tachycardia for age (above 120)"), at_least=_d(121)),
        Threshold(12 * YEAR, None, _("tachycardia for age (above 100)"), at_least=_d(101)),
        Threshold(0, YEAR, _("bradycardia for age (below 100)"), below=_d(100)),
        Threshold(YEAR, 5 * YEAR, _("bradycardia for age (below 80)"), below=_d(80)),
        Threshold(5 * YEAR, 12 * YEAR, _("bradycardia for age (below 70)"), below=_d(70)),
        Threshold(12 * YEAR, None, _("bradycardia for age (below 60)"), below=_d(60)),
    ),
    "spo2": (Threshold(0, None, _("low oxygen saturation (below 95 %)"), below=LOW_SPO2_BELOW),),
}


def age_in_months(born: date, on: date) -> int:
    """The age in months the bands read (cloudpeds.core.ages: under 60 days is under 2 months)."""
    if on < born:
        return 0
    return ChildAge.between(born, on).band_months


def _format(value: Number, decimals: int | None) -> str:
    if decimals is None:
        return format(Decimal(value).normalize(), "f")
    return f"{Decimal(value):.{decimals}f}"


def _band(field: str, months: int) -> Band:
    return next(band for band in PLAUSIBLE[field] if band.covers(months))


def implausible(field: str, value: Number | None, born: date, on: date) -> str | None:
    """The message naming the field if `value` cannot be a real measurement of this child."""
    if value is None:
        return None
    vital = _BY_FIELD[field]
    months = age_in_months(born, on)
    band = _band(field, months)
    if band.low <= Decimal(value) <= band.high:
        return None
    params = {
        "field": vital.label,
        "value": _format(value, vital.decimals),
        "unit": vital.unit,
        "low": _format(band.low, vital.decimals),
        "high": _format(band.high, vital.decimals),
    }
    if len(PLAUSIBLE[field]) == 1:
        return (
            gettext(
                "%(field)s of %(value)s %(unit)s is not plausible: enter a value from %(low)s to %(high)s %(unit)s."
            )
            % params
        )
    return gettext(
        "%(field)s of %(value)s %(unit)s is not plausible for a child of %(age)s: "
        "enter a value from %(low)s to %(high)s %(unit)s."
    ) % {**params, "age": pediatric_age(born, on)}


def implausible_values(values: Mapping[str, Number | None], born: date, on: date) -> dict[str, str]:
    """{field: message} for every value that cannot be real; empty when all are plausible."""
    errors = {}
    for field in VITAL_FIELDS:
        message = implausible(field, values.get(field), born, on)
        if message:
            errors[field] = message
    return errors


@dataclass(frozen=True)
class Reading:
    """One measured vital sign as the case page shows it."""

    field: str
    label: str | Promise
    value: str
    unit: str
    notes: tuple[str | Promise, ...] = ()

    @property
    def is_abnormal(self) -> bool:
        return bool(self.notes)


def abnormal_notes(field: str, value: Number, born: date, on: date) -> tuple[str | Promise, ...]:
    months = age_in_months(born, on)
    value = Decimal(value)
    return tuple(rule.note for rule in ABNORMAL.get(field, ()) if rule.covers(months) and rule.fires(value))


def readings(values: Mapping[str, Number | None], born: date, on: date) -> list[Reading]:
    """The measured vital signs in a fixed order, each with what is abnormal about it for the age."""
    result = []
    for vital in VITALS:
        value = values.get(vital.field)
        if value is None:
            continue
        result.append(
            Reading(
                field=vital.field,
                label=vital.label,
                value=_format(value, vital.decimals),
                unit=vital.unit,
                notes=abnormal_notes(vital.field, value, born, on),
            )
        )
    return result
