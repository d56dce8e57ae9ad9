"""Consultation metrics: how many, how fast, and what came of the advice.

Every figure is an aggregate query over the consultations the user may see
(`visible_to`: a specialist sees their department's, a group administrator the group's),
sent in a date range (by the day they were sent, Beijing time), optionally for one
requesting hospital or one specialty. Five queries whatever the number of rows: the response
targets, the figures, and the figures grouped by month, by requesting hospital and by specialty.

Response time is submission to answer with the pauses (waiting for the requesting
doctor's information) taken out: answered_at - submitted_at - paused_total, as in
Consultation.response_time(). Its median and 90th percentile come from PostgreSQL's
percentile_cont (continuous: between two cases it interpolates). "Within target" compares
it with the specialty's ResponseTarget, or the default hours for the urgency.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from django.db.models import (
    Aggregate,
    Avg,
    Case,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import TruncMonth
from django.db.models.lookups import LessThanOrEqual
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from cloudpeds.accounts.models import Department, Hospital

from .models import DEFAULT_TARGET_HOURS, Adoption, Consultation, Recommendation, ResponseTarget, Status

if TYPE_CHECKING:
    from cloudpeds.accounts.models import User


class PercentileCont(Aggregate):
    """PostgreSQL's `percentile_cont(fraction) WITHIN GROUP (ORDER BY expression)`."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, fraction: float, **extra) -> None:
        fraction = float(fraction)
        # Written into the SQL, so only ever a number we checked.
        if not 0.0 <= fraction <= 1.0:
            raise ValueError("A percentile is a fraction between 0 and 1.")
        super().__init__(expression, fraction=repr(fraction), **extra)


class EpochSeconds(Func):
    """An interval in seconds."""

    template = "EXTRACT(EPOCH FROM %(expressions)s)"
    output_field = FloatField()


# --- Filters --------------------------------------------------------------------------------


@dataclass(frozen=True)
class MetricsFilter:
    start: date
    end: date
    hospital: Hospital | None = None
    specialty: str = ""

    def months(self) -> list[date]:
        """The first day of each month in the range, for a chart with no gaps."""
        months, current = [], self.start.replace(day=1)
        while current <= self.end:
            months.append(current)
            current = (current + timedelta(days=32)).replace(day=1)
        return months


def default_start(end: date) -> date:
    """The first day of the month eleven months before `end`: the last twelve months."""
    month_index = end.year * 12 + end.month - 1 - 11
    return date(month_index // 12, month_index % 12 + 1, 1)


# --- Queries --------------------------------------------------------------------------------


def _day_start(day: date) -> datetime:
    # Days are the group's days (Asia/Shanghai), not UTC days.
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_default_timezone())


def consultations_for(user: User, metrics_filter: MetricsFilter) -> QuerySet[Consultation]:
    cases = Consultation.objects.overseen_by(user).filter(
        submitted_at__gte=_day_start(metrics_filter.start),
        submitted_at__lt=_day_start(metrics_filter.end + timedelta(days=1)),
    )
    if metrics_filter.hospital is not None:
        cases = cases.filter(requesting_hospital=metrics_filter.hospital)
    if metrics_filter.specialty:
        cases = cases.filter(department__specialty=metrics_filter.specialty)
    # visible_to's own ordering would end up in GROUP BY: aggregates order nothing.
    return cases.order_by()


def _response_seconds() -> EpochSeconds:
    response = ExpressionWrapper(F("answered_at") - F("submitted_at") - F("paused_total"), output_field=DurationField())
    return EpochSeconds(response)


def _target_seconds():
    """The specialty's configured target or the urgency's default, in seconds, as one CASE
    over the (few) configured targets: no correlated subquery per consultation."""
    configured = [
        When(department__specialty=specialty, urgency=urgency, then=Value(hours * 3600))
        for specialty, urgency, hours in ResponseTarget.objects.values_list("specialty", "urgency", "hours")
    ]
    defaults = [When(urgency=urgency, then=Value(hours * 3600)) for urgency, hours in DEFAULT_TARGET_HOURS.items()]
    return Case(*configured, *defaults, default=Value(max(DEFAULT_TARGET_HOURS.values()) * 3600))


_ANSWERED = Q(answered_at__isnull=False)


def _aggregates() -> dict:
    return {
        "total": Count("pk"),
        "answered": Count("pk", filter=_ANSWERED),
        "median_seconds": PercentileCont(_response_seconds(), 0.5, filter=_ANSWERED),
        "p90_seconds": PercentileCont(_response_seconds(), 0.9, filter=_ANSWERED),
        "within_target": Count("pk", filter=_ANSWERED & Q(LessThanOrEqual(_response_seconds(), _target_seconds()))),
        "managed_locally": Count("pk", filter=_ANSWERED & Q(recommendation=Recommendation.MANAGE_LOCALLY)),
        "closed": Count("pk", filter=Q(status=Status.CLOSED)),
        "usefulness_mean": Avg("usefulness", filter=Q(status=Status.CLOSED)),
        "feedback": Count("pk", filter=Q(status=Status.CLOSED) & ~Q(advice_adopted="")),
        "adopted_fully": Count("pk", filter=Q(status=Status.CLOSED, advice_adopted=Adoption.FULLY)),
        "adopted_partly": Count("pk", filter=Q(status=Status.CLOSED, advice_adopted=Adoption.PARTLY)),
        "adopted_not": Count("pk", filter=Q(status=Status.CLOSED, advice_adopted=Adoption.NOT)),
        "referral_known": Count("pk", filter=Q(status=Status.CLOSED, referral_avoided__isnull=False)),
        "referral_avoided": Count("pk", filter=Q(status=Status.CLOSED, referral_avoided=True)),
    }


_COUNTS = (
    "total",
    "answered",
    "within_target",
    "managed_locally",
    "closed",
    "feedback",
    "adopted_fully",
    "adopted_partly",
    "adopted_not",
    "referral_known",
    "referral_avoided",
)


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _hours(seconds: float | None) -> float | None:
    return seconds / 3600 if seconds is not None else None


@dataclass(frozen=True)
class Figures:
    total: int
    answered: int
    median_hours: float | None
    p90_hours: float | None
    within_target: float | None  # shares are fractions of 1, None when there is nothing to divide
    managed_locally: float | None
    closed: int
    usefulness_mean: float | None
    adopted_fully: float | None
    adopted_partly: float | None
    adopted_not: float | None
    referral_avoided: float | None

    @classmethod
    def from_row(cls, row: dict) -> Figures:
        return cls(
            total=row["total"],
            answered=row["answered"],
            median_hours=_hours(row["median_seconds"]),
            p90_hours=_hours(row["p90_seconds"]),
            within_target=_share(row["within_target"], row["answered"]),
            managed_locally=_share(row["managed_locally"], row["answered"]),
            closed=row["closed"],
            usefulness_mean=float(row["usefulness_mean"]) if row["usefulness_mean"] is not None else None,
            adopted_fully=_share(row["adopted_fully"], row["feedback"]),
            adopted_partly=_share(row["adopted_partly"], row["feedback"]),
            adopted_not=_share(row["adopted_not"], row["feedback"]),
            referral_avoided=_share(row["referral_avoided"], row["referral_known"]),
        )


@dataclass(frozen=True)
class Group:
    key: str
    label: str
    figures: Figures


@dataclass(frozen=True)
class Metrics:
    filter: MetricsFilter
    overall: Figures
    by_month: list[Group]
    by_hospital: list[Group]
    by_specialty: list[Group]


def compute(user: User, metrics_filter: MetricsFilter) -> Metrics:
    """All the figures of the metrics page, in five queries."""
    cases = consultations_for(user, metrics_filter)
    aggregates = _aggregates()
    overall = Figures.from_row(cases.aggregate(**aggregates))

    tz = timezone.get_default_timezone()
    months = {
        timezone.localtime(row["month"], tz).date(): Figures.from_row(row)
        for row in cases.annotate(month=TruncMonth("submitted_at", tzinfo=tz)).values("month").annotate(**aggregates)
    }
    empty = Figures.from_row(dict.fromkeys(aggregates, None) | dict.fromkeys(_COUNTS, 0))
    by_month = [
        Group(key=f"{month:%Y-%m}", label=f"{month:%Y-%m}", figures=months.get(month, empty))
        for month in metrics_filter.months()
    ]

    hospitals = (
        cases.values("requesting_hospital__code", "requesting_hospital__name_zh", "requesting_hospital__name_en")
        .annotate(**aggregates)
        .order_by("-total", "requesting_hospital__code")
    )
    by_hospital = [
        Group(
            key=row["requesting_hospital__code"],
            label=_local_name(row["requesting_hospital__name_zh"], row["requesting_hospital__name_en"]),
            figures=Figures.from_row(row),
        )
        for row in hospitals
    ]

    specialty_labels = dict(Department.Specialty.choices)
    specialties = (
        cases.values("department__specialty").annotate(**aggregates).order_by("-total", "department__specialty")
    )
    by_specialty = [
        Group(
            key=row["department__specialty"],
            label=str(specialty_labels.get(row["department__specialty"], row["department__specialty"])),
            figures=Figures.from_row(row),
        )
        for row in specialties
    ]
    return Metrics(
        filter=metrics_filter, overall=overall, by_month=by_month, by_hospital=by_hospital, by_specialty=by_specialty
    )


def _local_name(name_zh: str, name_en: str) -> str:
    # As Hospital.name: the active language's name (the row carries both columns).
    return name_en if (get_language() or "").startswith("en") else name_zh


def chart_data(metrics: Metrics) -> dict:
    """What static/js/consultations_metrics.js draws (passed through json_script)."""

    def series(groups: list[Group]) -> dict:
        return {"labels": [group.label for group in groups], "values": [group.figures.total for group in groups]}

    return {
        "label": str(_("Consultations")),
        "months": series(metrics.by_month),
        "hospitals": series(metrics.by_hospital),
        "specialties": series(metrics.by_specialty),
    }
