"""The training daily roll-up (TrainingDay): three GROUP BY queries (enrolments by the day
they were made, completions by the day they completed, submitted exam attempts by the day
they were submitted), merged into one row per day × hospital × course. Learners without a
hospital are left out. As consultations/rollups.py: `rebuild` replaces a range of days."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from cloudpeds.core.rollups import replace_days

from .models import Attempt, Enrolment, TrainingDay

ROLLING_DAYS = 60


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_default_timezone())


def rows_for(start: date, end: date) -> list[TrainingDay]:
    tz = timezone.get_default_timezone()
    low, high = _day_start(start), _day_start(end + timedelta(1))
    merged: dict[tuple, dict[str, int]] = defaultdict(dict)

    def add(queryset, moment: str, course: str, **counts) -> None:
        rows = (
            queryset.filter(**{f"{moment}__gte": low, f"{moment}__lt": high, "user__hospital__isnull": False})
            .order_by()
            .annotate(day=TruncDate(moment, tzinfo=tz))
            .values("day", "user__hospital_id", course)
            .annotate(**counts)
        )
        for row in rows:
            key = (row["day"], row["user__hospital_id"], row[course])
            merged[key].update({name: row[name] for name in counts})

    add(Enrolment.objects, "created_at", "course_id", enrolled=Count("pk"))
    add(Enrolment.objects, "completed_at", "course_id", completed=Count("pk"))
    add(
        Attempt.objects.filter(submitted_at__isnull=False),
        "submitted_at",
        "exam__course_id",
        attempts=Count("pk"),
        passed=Count("pk", filter=Q(passed=True)),
    )
    now = timezone.now()
    return [
        TrainingDay(day=day, hospital_id=hospital, course_id=course, updated_at=now, **counts)
        for (day, hospital, course), counts in sorted(merged.items())
    ]


def rebuild(start: date, end: date) -> int:
    rows = rows_for(start, end)
    return replace_days(TrainingDay, rows, start, end, key=("day", "hospital", "course"))


def rebuild_recent(today: date | None = None) -> int:
    today = today or timezone.localdate()
    return rebuild(today - timedelta(days=ROLLING_DAYS), today)


def first_day() -> date | None:
    first = Enrolment.objects.order_by("created_at").first()
    return timezone.localtime(first.created_at).date() if first else None
