"""A child's age for clinical tables: one definition for the whole portal.

The handbook's triage and the consultation form's vital signs both decide which IMCI band
a child is in; they must never disagree. A child of 59 days born on 31 December is already
"2 calendar months" old on 28 February; counting months there and days elsewhere gave RR 55
two answers. The rule here, as the IMCI young infant booklet (2019) counts it:

- the young infant band is birth to 59 days (under 60 days), counted in days;
- from 60 days, completed calendar months decide (exactly 12 months is in the band that
  starts at 12 months: bands are half-open, [from, to)).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from cloudpeds.patients.age import age_parts

YEAR = 12
YOUNG_INFANT_DAYS = 60


def completed_months(born: date, on: date) -> int:
    """Whole calendar months of age on `on`: exactly 12 on the first birthday."""
    if on < born:
        raise ValueError("The assessment date is before the date of birth.")
    years, months, _days = age_parts(born, on)
    return years * YEAR + months


def age_in_days(born: date, on: date) -> int:
    if on < born:
        raise ValueError("The assessment date is before the date of birth.")
    return (on - born).days


@dataclass(frozen=True)
class ChildAge:
    """A child's age on the day of the assessment, in both units the tables use."""

    days: int
    months: int

    @classmethod
    def between(cls, born: date, on: date) -> ChildAge:
        return cls(days=age_in_days(born, on), months=completed_months(born, on))

    def in_unit(self, unit: str) -> int:
        return self.days if unit == "days" else self.months

    @property
    def is_young_infant(self) -> bool:
        return self.days < YOUNG_INFANT_DAYS

    @property
    def band_months(self) -> int:
        """The age in months as the tables' month bands read it: a young infant counts as
        under 2 months whatever the calendar says (59 days is never "2 months" here)."""
        if self.is_young_infant:
            return min(self.months, 1)
        return max(self.months, 2)
