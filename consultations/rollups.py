"""The consultations' daily roll-up (ConsultationDay): how it is computed and read.

`rows_for(start, end)` computes the rows of a range of days in one GROUP BY query over the
consultations sent in it; `rebuild(start, end)` replaces the stored rows of that range with
them (the periodic task rebuilds the last ROLLING_DAYS days every few minutes, because a case
sent last week is answered or closed later; `manage.py rebuild_rollups` does the whole
history). Readers take stored rows for the days before today and `rows_for(today, today)`
for today's partial day: `rows_between` does both.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.contrib.postgres.aggregates import ArrayAgg
from django.db.models import (
    Case,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    OuterRef,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from cloudpeds.core.rollups import replace_days

from .models import (
    DEFAULT_TARGET_HOURS,
    Adoption,
    Consultation,
    ConsultationDay,
    Message,
    Recommendation,
    ResponseTarget,
    Status,
)

# How far back the periodic task recomputes: cases are answered and closed after the day
# they were sent; older changes are rare and `manage.py rebuild_rollups` catches them.
ROLLING_DAYS = 60

# Every count of a roll-up row (the metrics page sums them by month, hospital and specialty).
COUNTS = (
    "submitted",
    "answered",
    "within_target",
    "answered_manage_locally",
    "answered_refer",
    "closed",
    "closed_managed_locally",
    "info_requested",
    "usefulness_total",
    "usefulness_count",
    "feedback",
    "adopted_fully",
    "adopted_partly",
    "adopted_not",
    "referral_known",
    "referral_avoided",
)


class EpochSeconds(Func):
    """An interval in seconds."""

    template = "EXTRACT(EPOCH FROM %(expressions)s)"
    output_field = FloatField()


def _target_seconds() -> Case:
    """The specialty's configured target or the urgency's default, in seconds, as one CASE
    over the (few) configured targets: no correlated subquery per consultation."""
    configured = [
        When(department__specialty=specialty, urgency=urgency, then=Value(hours * 3600))
        for specialty, urgency, hours in ResponseTarget.objects.values_list("specialty", "urgency", "hours")
    ]
    defaults = [When(urgency=urgency, then=Value(hours * 3600)) for urgency, hours in DEFAULT_TARGET_HOURS.items()]
    return Case(*configured, *defaults, default=Value(max(DEFAULT_TARGET_HOURS.values()) * 3600))


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_default_timezone())


def rows_for(start: date, end: date) -> list[ConsultationDay]:
    """The roll-up rows of the days start..end (inclusive), computed from the consultations."""
    tz = timezone.get_default_timezone()
    response = EpochSeconds(
        ExpressionWrapper(F("answered_at") - F("submitted_at") - F("paused_total"), output_field=DurationField())
    )
    answered = Q(answered_at__isnull=False)
    closed = Q(status=Status.CLOSED)
    info = Exists(Message.objects.filter(consultation=OuterRef("pk"), is_info_request=True))
    rows = (
        Consultation.objects.filter(
            submitted_at__gte=_day_start(start), submitted_at__lt=_day_start(end + timedelta(1))
        )
        .order_by()
        .annotate(day=TruncDate("submitted_at", tzinfo=tz), response=response, target=_target_seconds(), info=info)
        .values("day", "requesting_hospital_id", "department_id", "urgency")
        .annotate(
            submitted=Count("pk"),
            answered=Count("pk", filter=answered),
            within_target=Count("pk", filter=answered & Q(response__lte=F("target"))),
            answered_manage_locally=Count("pk", filter=answered & Q(recommendation=Recommendation.MANAGE_LOCALLY)),
            answered_refer=Count(
                "pk",
                filter=answered & Q(recommendation__in=(Recommendation.REFER, Recommendation.TRANSFER_URGENTLY)),
            ),
            closed=Count("pk", filter=closed),
            closed_managed_locally=Count("pk", filter=closed & Q(recommendation=Recommendation.MANAGE_LOCALLY)),
            info_requested=Count("pk", filter=Q(info=True)),
            usefulness_total=Coalesce(Sum("usefulness", filter=closed), 0),
            usefulness_count=Count("usefulness", filter=closed),
            feedback=Count("pk", filter=closed & ~Q(advice_adopted="")),
            adopted_fully=Count("pk", filter=closed & Q(advice_adopted=Adoption.FULLY)),
            adopted_partly=Count("pk", filter=closed & Q(advice_adopted=Adoption.PARTLY)),
            adopted_not=Count("pk", filter=closed & Q(advice_adopted=Adoption.NOT)),
            referral_known=Count("pk", filter=closed & Q(referral_avoided__isnull=False)),
            referral_avoided=Count("pk", filter=closed & Q(referral_avoided=True)),
            response_seconds=ArrayAgg("response", filter=answered, default=Value([]), order_by="response"),
        )
    )
    now = timezone.now()
    return [ConsultationDay(updated_at=now, **row) for row in rows]


def rebuild(start: date, end: date) -> int:
    """Replace the stored rows of start..end; safe to run twice or in two workers at once."""
    rows = rows_for(start, end)
    return replace_days(ConsultationDay, rows, start, end, key=("day", "requesting_hospital", "department", "urgency"))


def rebuild_recent(today: date | None = None) -> int:
    today = today or timezone.localdate()
    return rebuild(today - timedelta(days=ROLLING_DAYS), today)


def first_day() -> date | None:
    first = Consultation.objects.filter(submitted_at__isnull=False).order_by("submitted_at").first()
    return timezone.localtime(first.submitted_at).date() if first else None
