"""Referral metrics for administrators: aggregates only, no child is named.

Group administrators see the whole group; a transfer administrator sees the referrals their
hospital sent or received. Every figure is one aggregate query whatever the volume. The
page's charts of referrals by month and of the median time to decision are sums of the daily
roll-up rows (ReferralDay, referrals/rollups.py: by the day a referral was requested), today's
partial day computed live with the roll-up's own query; arrivals (by month of approval),
rejection reasons (by month of decision) and follow-up completion (by month due) are not on
the roll-up's day and are read from the referrals. The CSV tables read the referrals.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import connection
from django.db.models import Aggregate, Count, Exists, F, FloatField, Func, OuterRef, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from cloudpeds.accounts.models import Hospital, User

from . import rollups
from .models import (
    BedReservation,
    Direction,
    FollowUpItem,
    Kind,
    Referral,
    ReferralDay,
    RejectReason,
    Status,
    sees_whole_group,
)


class _EpochSeconds(Func):
    template = "EXTRACT(EPOCH FROM %(expressions)s)"
    output_field = FloatField()


class _Median(Aggregate):
    function = "percentile_cont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


def _month_start(today: date, months_back: int) -> datetime:
    year, month = today.year, today.month - (months_back - 1)
    while month <= 0:
        month += 12
        year -= 1
    return timezone.make_aware(datetime(year, month, 1))


@dataclass
class Scope:
    referrals: QuerySet[Referral]
    since: datetime
    months: list[str]
    # The hospital whose referrals (sent or received) are counted; None: the whole group.
    hospital_id: int | None = None
    today: date | None = None

    @property
    def key(self) -> str:
        """Whose referrals and which months, as a cache key part."""
        whose = "group" if self.hospital_id is None else f"hospital-{self.hospital_id}"
        return f"{whose}:{self.since:%Y-%m}:{len(self.months)}"


def scope_for(user: User, months: int = 12, today: date | None = None) -> Scope:
    today = today or timezone.localdate()
    since = _month_start(today, months)
    referrals = Referral.objects.exclude(status=Status.NEW)
    hospital_id = None
    if not sees_whole_group(user):
        hospital_id = user.hospital_id
        referrals = referrals.filter(
            Q(sending_hospital_id=user.hospital_id) | Q(receiving_hospital_id=user.hospital_id)
        )
    labels = []
    cursor = since.date()
    for _i in range(months):
        labels.append(f"{cursor:%Y-%m}")
        cursor = date(cursor.year + (cursor.month == 12), cursor.month % 12 + 1, 1)
    return Scope(referrals=referrals, since=since, months=labels, hospital_id=hospital_id, today=today)


def _month(value: datetime) -> str:
    return f"{timezone.localtime(value):%Y-%m}"


def volume(scope: Scope) -> list[dict[str, Any]]:
    """Referrals up and down by month and sending hospital."""
    rows = (
        scope.referrals.filter(submitted_at__gte=scope.since)
        .annotate(month=TruncMonth("submitted_at"))
        .values("month", "direction", "sending_hospital_id")
        .annotate(count=Count("pk"))
        .order_by("month", "sending_hospital_id", "direction")
    )
    hospitals = {hospital.pk: hospital.name for hospital in Hospital.objects.all()}
    return [
        {
            "month": _month(row["month"]),
            "hospital": hospitals.get(row["sending_hospital_id"], ""),
            "direction": row["direction"],
            "count": row["count"],
        }
        for row in rows
    ]


def decision_times(scope: Scope) -> list[dict[str, Any]]:
    """Hours from request to decision (approval or rejection), by month of request."""
    hours = _EpochSeconds(F("decided_at") - F("submitted_at")) / 3600.0
    rows = (
        scope.referrals.filter(kind=Kind.TRANSFER, submitted_at__gte=scope.since, decided_at__isnull=False)
        .annotate(month=TruncMonth("submitted_at"))
        .values("month", "urgency")
        .annotate(count=Count("pk"), median=_Median(hours))
        .order_by("month", "urgency")
    )
    return [
        {
            "month": _month(row["month"]),
            "urgency": row["urgency"],
            "count": row["count"],
            "median_hours": round(row["median"] or 0, 1),
        }
        for row in rows
    ]


# The roll-up rows' referrals by month and direction, and the median time to decision by
# month over the stored days' times and today's (passed as arrays). Only transfers are ever
# decided (decided_at), so every decision time of a roll-up row is a transfer's.
_VOLUME_SQL = """
SELECT to_char(r.day, 'YYYY-MM'), r.direction, SUM(r.submitted)
FROM {table} r WHERE r.day >= %s AND r.day < %s {scope}
GROUP BY 1, 2
"""
_MEDIAN_SQL = """
SELECT month, percentile_cont(0.5) WITHIN GROUP (ORDER BY s) FROM (
    SELECT to_char(r.day, 'YYYY-MM') AS month, s
    FROM {table} r CROSS JOIN LATERAL unnest(r.decision_seconds) AS s
    WHERE r.day >= %s AND r.day < %s {scope}
    UNION ALL
    SELECT %s, unnest(%s::double precision[])
) AS times
GROUP BY 1
"""


def _rolled_up(scope: Scope) -> tuple[dict[str, dict[str, int]], dict[str, float]]:
    """Referrals up and down by month, and the median hours to decision by month, from the
    roll-ups (the stored days before today, today's computed live). Two queries, three with
    today in the range; the same whatever the number of referrals."""
    today = scope.today or timezone.localdate()
    start = scope.since.date()
    by_month: dict[str, dict[str, int]] = defaultdict(lambda: {Direction.UP: 0, Direction.DOWN: 0})
    sql, params = "", []
    if scope.hospital_id is not None:
        sql = " AND (r.sending_hospital_id = %s OR r.receiving_hospital_id = %s)"
        params = [scope.hospital_id, scope.hospital_id]
    table = ReferralDay._meta.db_table
    live: list[float] = []
    if start <= today:
        for row in rollups.rows_for(today, today, today=today):
            if scope.hospital_id is None or scope.hospital_id in (row.sending_hospital_id, row.receiving_hospital_id):
                by_month[f"{today:%Y-%m}"][row.direction] += row.submitted
                live += row.decision_seconds
    with connection.cursor() as cursor:
        cursor.execute(_VOLUME_SQL.format(table=table, scope=sql), [start, today, *params])
        for month, direction, count in cursor.fetchall():
            by_month[month][direction] += count
        cursor.execute(_MEDIAN_SQL.format(table=table, scope=sql), [start, today, *params, f"{today:%Y-%m}", live])
        medians = {month: round((median or 0) / 3600, 1) for month, median in cursor.fetchall()}
    return by_month, medians


def median_decision_hours_by_month(scope: Scope) -> dict[str, float]:
    """Median hours from request to decision of the transfers requested in each month."""
    return _rolled_up(scope)[1]


def rejection_reasons(scope: Scope) -> list[dict[str, Any]]:
    rows = (
        scope.referrals.filter(status=Status.REJECTED, decided_at__gte=scope.since)
        .values("reject_reason")
        .annotate(count=Count("pk"))
        .order_by("-count", "reject_reason")
    )
    return [
        {"reason": row["reject_reason"], "label": str(RejectReason(row["reject_reason"]).label), "count": row["count"]}
        for row in rows
        if row["reject_reason"] in RejectReason.values
    ]


def arrivals(scope: Scope) -> list[dict[str, Any]]:
    """Of the transfers approved (a bed was reserved), how many arrived, by month of approval."""
    reserved = BedReservation.objects.filter(referral=OuterRef("pk"))
    rows = (
        scope.referrals.filter(kind=Kind.TRANSFER, decided_at__gte=scope.since)
        .filter(Exists(reserved))
        .annotate(month=TruncMonth("decided_at"))
        .values("month")
        .annotate(
            approved=Count("pk"),
            arrived=Count("pk", filter=Q(arrived_at__isnull=False)),
            expired=Count("pk", filter=Q(status=Status.EXPIRED)),
            cancelled=Count("pk", filter=Q(status=Status.CANCELLED)),
            pending=Count("pk", filter=Q(status__in=(Status.APPROVED, Status.DEPARTED))),
        )
        .order_by("month")
    )
    result = []
    for row in rows:
        resolved = row["approved"] - row["pending"]
        result.append(
            {
                "month": _month(row["month"]),
                "approved": row["approved"],
                "arrived": row["arrived"],
                "expired": row["expired"],
                "cancelled": row["cancelled"],
                "pending": row["pending"],
                "arrived_share": round(100 * row["arrived"] / resolved, 1) if resolved else None,
            }
        )
    return result


def follow_up_completion(scope: Scope, today: date | None = None) -> list[dict[str, Any]]:
    """Down-referral follow-up items by month due: done, missed, overdue, not yet due."""
    today = today or timezone.localdate()
    items = (
        FollowUpItem.objects.filter(referral__in=scope.referrals.filter(kind=Kind.FOLLOW_UP))
        .filter(due_on__gte=scope.since.date(), due_on__lte=today)
        .annotate(month=TruncMonth("due_on"))
        .values("month")
        .annotate(
            total=Count("pk"),
            done=Count("pk", filter=Q(state=FollowUpItem.State.DONE)),
            missed=Count("pk", filter=Q(state=FollowUpItem.State.MISSED)),
            overdue=Count("pk", filter=Q(state=FollowUpItem.State.PENDING, due_on__lt=today)),
        )
        .order_by("month")
    )
    result = []
    for row in items:
        counted = row["done"] + row["missed"] + row["overdue"]
        result.append(
            {
                "month": f"{row['month']:%Y-%m}",
                "total": row["total"],
                "done": row["done"],
                "missed": row["missed"],
                "overdue": row["overdue"],
                "completion": round(100 * row["done"] / counted, 1) if counted else None,
            }
        )
    return result


def page_data(scope: Scope) -> dict[str, Any]:
    """The metrics page's tables and charts, each figure computed once."""
    arrivals_rows = arrivals(scope)
    follow_rows = follow_up_completion(scope)
    rejections = rejection_reasons(scope)
    return {
        "chart": chart_data(scope, arrivals_rows=arrivals_rows, follow_rows=follow_rows, rejections=rejections),
        "arrivals": arrivals_rows,
        "follow_ups": follow_rows,
        "rejections": rejections,
    }


def chart_data(
    scope: Scope,
    *,
    arrivals_rows: list[dict[str, Any]] | None = None,
    follow_rows: list[dict[str, Any]] | None = None,
    rejections: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Everything the charts draw (static/js/referrals-metrics.js reads it via json_script).
    Figures the caller already has are passed in rather than computed again."""
    by_month, median_by_month = _rolled_up(scope)
    arrivals_by_month = {row["month"]: row for row in (arrivals(scope) if arrivals_rows is None else arrivals_rows)}
    follow_by_month = {
        row["month"]: row for row in (follow_up_completion(scope) if follow_rows is None else follow_rows)
    }
    rejections = rejection_reasons(scope) if rejections is None else rejections
    return {
        "months": scope.months,
        "labels": {
            "up": _("Up"),
            "down": _("Down"),
            "median_hours": _("Median hours to decision"),
            "arrived_share": _("Approved transfers that arrived (%)"),
            "completion": _("Follow-up items done (%)"),
            "rejections": _("Rejections"),
        },
        "up": [by_month[month][Direction.UP] for month in scope.months],
        "down": [by_month[month][Direction.DOWN] for month in scope.months],
        "median_hours": [median_by_month.get(month) for month in scope.months],
        "arrived_share": [arrivals_by_month.get(month, {}).get("arrived_share") for month in scope.months],
        "completion": [follow_by_month.get(month, {}).get("completion") for month in scope.months],
        "rejections": rejections,
    }


TABLES = {
    "volume": (volume, ["month", "hospital", "direction", "count"]),
    "decisions": (decision_times, ["month", "urgency", "count", "median_hours"]),
    "rejections": (rejection_reasons, ["reason", "label", "count"]),
    "arrivals": (arrivals, ["month", "approved", "arrived", "expired", "cancelled", "pending", "arrived_share"]),
    "follow_ups": (follow_up_completion, ["month", "total", "done", "missed", "overdue", "completion"]),
}
