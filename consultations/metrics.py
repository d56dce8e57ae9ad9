"""Consultation metrics: how many, how fast, and what came of the advice.

Every figure is a sum over the daily roll-up rows (ConsultationDay, consultations/rollups.py:
one per day, requesting hospital, department and urgency) of the consultations the user may
count (a specialist: their hospital's and their department's; a group administrator: the
group's), sent in a date range (by the day they were sent, Beijing time), optionally for one
requesting hospital or one specialty; today's partial day is computed live from the
consultations with the roll-up's own query. Reading the roll-ups instead of the cases took
the page at scale (100,000 consultations) from four aggregates over ~20,000 rows each to two
queries over a few thousand roll-up rows (issue 17).

Response time is submission to answer with the pauses (waiting for the requesting
doctor's information) taken out: answered_at - submitted_at - paused_total, as in
Consultation.response_time(). Its median and 90th percentile come from PostgreSQL's
percentile_cont (continuous: between two cases it interpolates). "Within target" compares
it with the specialty's ResponseTarget, or the default hours for the urgency.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.db import connection
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from cloudpeds.accounts.models import Department, Hospital
from cloudpeds.accounts.roles import Role

from . import rollups
from .models import ConsultationDay

if TYPE_CHECKING:
    from cloudpeds.accounts.models import User


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


# The roll-up's counts, summed for every group (consultations/rollups.py).
_COUNTS = rollups.COUNTS


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
    def from_counts(cls, counts: dict[str, int], times: tuple[float | None, float | None]) -> Figures:
        """The figures of summed roll-up counts and the (median, 90th percentile) seconds."""
        return cls(
            total=counts["submitted"],
            answered=counts["answered"],
            median_hours=_hours(times[0]),
            p90_hours=_hours(times[1]),
            within_target=_share(counts["within_target"], counts["answered"]),
            managed_locally=_share(counts["answered_manage_locally"], counts["answered"]),
            closed=counts["closed"],
            usefulness_mean=_share(counts["usefulness_total"], counts["usefulness_count"]),
            adopted_fully=_share(counts["adopted_fully"], counts["feedback"]),
            adopted_partly=_share(counts["adopted_partly"], counts["feedback"]),
            adopted_not=_share(counts["adopted_not"], counts["feedback"]),
            referral_avoided=_share(counts["referral_avoided"], counts["referral_known"]),
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


# The stored days' counts, summed by month, requesting hospital and specialty (the finest
# grouping the page shows; the rest are sums of these rows).
_COUNTS_SQL = """
SELECT date_trunc('month', r.day)::date, r.requesting_hospital_id, d.specialty, {sums}
FROM {table} r JOIN {departments} d ON d.id = r.department_id
WHERE r.day >= %s AND r.day < %s {scope}
GROUP BY 1, 2, 3
"""
# Median and 90th percentile response times of every group at once, over the stored days'
# times and today's (passed as arrays: hospital, specialty, seconds).
_TIMES_SQL = """
SELECT GROUPING(month, hospital_id, specialty), month, hospital_id, specialty,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY s), percentile_cont(0.9) WITHIN GROUP (ORDER BY s)
FROM (
    SELECT date_trunc('month', r.day)::date AS month, r.requesting_hospital_id AS hospital_id, d.specialty, s
    FROM {table} r JOIN {departments} d ON d.id = r.department_id CROSS JOIN LATERAL unnest(r.response_seconds) AS s
    WHERE r.day >= %s AND r.day < %s {scope}
    UNION ALL
    SELECT %s::date, t.hospital_id, t.specialty, t.s
    FROM unnest(%s::bigint[], %s::text[], %s::double precision[]) AS t(hospital_id, specialty, s)
) AS times
GROUP BY GROUPING SETS ((), (month), (hospital_id), (specialty))
"""


def _scope(user: User, metrics_filter: MetricsFilter) -> tuple[str, list, Callable[[int, int, str], bool]] | None:
    """Which roll-up rows the user may count, as SQL on `r` and `d` and as a test of a row's
    (hospital, department, specialty); None: none at all.

    The roll-up's grain is Consultation.objects.overseen_by at a department's level: group
    administrators count the group; others the cases their hospital sent and, for a
    specialist, those sent to their department. (A case sent to the department whose
    consent was later withdrawn, or one redirected away from the specialist who had it, is
    counted by the department it was sent to: counts name no child.)"""
    sql, params, tests = "", [], []
    if not (user.is_authenticated and user.has_role(Role.GROUP_ADMIN)):
        if not user.is_authenticated or user.hospital_id is None:
            return None
        hospital_id = user.hospital_id
        department_id = user.department_id if user.has_role(Role.SPECIALIST) else None
        if department_id:
            sql += " AND (r.requesting_hospital_id = %s OR r.department_id = %s)"
            params += [hospital_id, department_id]
        else:
            sql += " AND r.requesting_hospital_id = %s"
            params.append(hospital_id)
        tests.append(lambda hospital, department, specialty: hospital == hospital_id or department == department_id)
    if metrics_filter.hospital is not None:
        chosen = metrics_filter.hospital.pk
        sql += " AND r.requesting_hospital_id = %s"
        params.append(chosen)
        tests.append(lambda hospital, department, specialty: hospital == chosen)
    if metrics_filter.specialty:
        wanted = metrics_filter.specialty
        sql += " AND d.specialty = %s"
        params.append(wanted)
        tests.append(lambda hospital, department, specialty: specialty == wanted)
    return sql, params, lambda *row: all(test(*row) for test in tests)


def scope_key(user: User) -> str:
    """Whose consultations `user` counts, as a cache key part: the same for two users exactly
    when _scope gives them the same rows ("group", "none", or hospital and department)."""
    if user.is_authenticated and user.has_role(Role.GROUP_ADMIN):
        return "group"
    if not user.is_authenticated or user.hospital_id is None:
        return "none"
    department_id = user.department_id if user.has_role(Role.SPECIALIST) else None
    return f"hospital-{user.hospital_id}-department-{department_id or ''}"


def compute(user: User, metrics_filter: MetricsFilter, today: date | None = None) -> Metrics:
    """All the figures of the metrics page, from the daily roll-ups (ConsultationDay): the
    stored rows for the days before today, today's computed live. Five queries whatever the
    number of consultations (three without today in the range)."""
    today = today or timezone.localdate()
    months = metrics_filter.months()
    sums: dict[tuple, dict[str, int]] = {}
    times: dict[tuple, tuple[float | None, float | None]] = {}
    hospitals: set[int] = set()
    scope = _scope(user, metrics_filter)
    if scope is not None:
        scope_sql, scope_params, visible = scope
        start, stored_end = metrics_filter.start, min(metrics_filter.end + timedelta(days=1), today)
        tables = {"table": ConsultationDay._meta.db_table, "departments": Department._meta.db_table}
        live = {"hospitals": [], "specialties": [], "seconds": []}
        with connection.cursor() as cursor:
            cursor.execute(
                _COUNTS_SQL.format(sums=", ".join(f"SUM(r.{name})" for name in _COUNTS), scope=scope_sql, **tables),
                [start, stored_end, *scope_params],
            )
            for month, hospital_id, specialty, *values in cursor.fetchall():
                _add(sums, (month, hospital_id, specialty), dict(zip(_COUNTS, values, strict=True)))
            if metrics_filter.start <= today <= metrics_filter.end:
                specialties = dict(Department.objects.values_list("pk", "specialty"))
                for row in rollups.rows_for(today, today):
                    specialty = specialties.get(row.department_id, "")
                    if visible(row.requesting_hospital_id, row.department_id, specialty):
                        key = (today.replace(day=1), row.requesting_hospital_id, specialty)
                        _add(sums, key, {name: getattr(row, name) for name in _COUNTS})
                        live["hospitals"] += [row.requesting_hospital_id] * len(row.response_seconds)
                        live["specialties"] += [specialty] * len(row.response_seconds)
                        live["seconds"] += row.response_seconds
            cursor.execute(
                _TIMES_SQL.format(scope=scope_sql, **tables),
                [start, stored_end, *scope_params, today.replace(day=1), *live.values()],
            )
            for grouping, month, hospital_id, specialty, median, p90 in cursor.fetchall():
                # GROUPING's bits (month, hospital, specialty): 1 where the column is not grouped.
                key = {7: (), 3: ("month", month), 5: ("hospital", hospital_id), 6: ("specialty", specialty)}[grouping]
                times[key] = (median, p90)
        hospitals = {hospital_id for _month, hospital_id, _specialty in sums}

    def figures(key: tuple, rows: list[dict[str, int]]) -> Figures:
        counts = dict.fromkeys(_COUNTS, 0)
        for row in rows:
            for name in _COUNTS:
                counts[name] += row[name] or 0
        return Figures.from_counts(counts, times.get(key, (None, None)))

    def grouped(position: int) -> dict:
        groups: dict = {}
        for key, row in sums.items():
            groups.setdefault(key[position], []).append(row)
        return groups

    overall = figures((), list(sums.values()))
    by_month_rows = grouped(0)
    by_month = [
        Group(
            key=f"{month:%Y-%m}",
            label=f"{month:%Y-%m}",
            figures=figures(("month", month), by_month_rows.get(month, [])),
        )
        for month in months
    ]
    names = {hospital.pk: hospital for hospital in Hospital.objects.filter(pk__in=hospitals)} if hospitals else {}
    by_hospital = sorted(
        (
            Group(
                key=names[hospital_id].code,
                label=_local_name(names[hospital_id].name_zh, names[hospital_id].name_en),
                figures=figures(("hospital", hospital_id), rows),
            )
            for hospital_id, rows in grouped(1).items()
        ),
        key=lambda group: (-group.figures.total, group.key),
    )
    specialty_labels = dict(Department.Specialty.choices)
    by_specialty = sorted(
        (
            Group(
                key=specialty,
                label=str(specialty_labels.get(specialty, specialty)),
                figures=figures(("specialty", specialty), rows),
            )
            for specialty, rows in grouped(2).items()
        ),
        key=lambda group: (-group.figures.total, group.key),
    )
    return Metrics(
        filter=metrics_filter, overall=overall, by_month=by_month, by_hospital=by_hospital, by_specialty=by_specialty
    )


def _add(sums: dict[tuple, dict[str, int]], key: tuple, counts: dict[str, int]) -> None:
    row = sums.setdefault(key, dict.fromkeys(_COUNTS, 0))
    for name in _COUNTS:
        row[name] += counts[name] or 0


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
