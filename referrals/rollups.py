"""The referrals' daily roll-up (ReferralDay): how it is computed and rebuilt.

As consultations/rollups.py: `rows_for(start, end)` is one GROUP BY query over the referrals
requested in those days (drafts excluded), `rebuild` replaces the stored rows of a range, the
periodic task rebuilds the last ROLLING_DAYS days, `manage.py rebuild_rollups` all of them.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.contrib.postgres.aggregates import ArrayAgg
from django.db.models import Count, Exists, F, FloatField, Func, IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from cloudpeds.core.rollups import replace_days

from .models import Direction, FollowUpItem, Referral, ReferralDay, Status

ROLLING_DAYS = 60


class _EpochSeconds(Func):
    template = "EXTRACT(EPOCH FROM %(expressions)s)"
    output_field = FloatField()


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_default_timezone())


def _items(today: date, **state) -> Coalesce:
    items = FollowUpItem.objects.filter(referral=OuterRef("pk"))
    if state.pop("lapsed", False):
        items = items.filter(Q(state=FollowUpItem.State.MISSED) | Q(state=FollowUpItem.State.PENDING, due_on__lt=today))
    items = items.filter(**state).order_by().values("referral").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(items, output_field=IntegerField()), 0)


def rows_for(start: date, end: date, today: date | None = None) -> list[ReferralDay]:
    today = today or timezone.localdate()
    tz = timezone.get_default_timezone()
    down = Referral.objects.filter(up_referral=OuterRef("pk"))
    # A down-referral with items and none of them pending, as counts (GROUP BY ... HAVING):
    # a correlated lookup by up_referral per row, where two nested EXISTS made PostgreSQL
    # hash the whole table's down-referrals for today's few rows (issue 17: ~90 ms).
    closed_down = (
        down.order_by()
        .values("pk")
        .annotate(
            items=Count("follow_ups"),
            pending=Count("follow_ups", filter=Q(follow_ups__state=FollowUpItem.State.PENDING)),
        )
        .filter(items__gt=0, pending=0)
    )
    is_down = Q(direction=Direction.DOWN)
    rows = (
        Referral.objects.filter(submitted_at__gte=_day_start(start), submitted_at__lt=_day_start(end + timedelta(1)))
        .exclude(status=Status.NEW)
        .order_by()
        .annotate(
            day=TruncDate("submitted_at", tzinfo=tz),
            has_down=Exists(down),
            has_closed_down=Exists(closed_down),
            items=_items(today),
            items_done=_items(today, state=FollowUpItem.State.DONE),
            items_lapsed=_items(today, lapsed=True),
        )
        .values("day", "sending_hospital_id", "receiving_hospital_id", "direction", "urgency")
        .annotate(
            submitted=Count("pk"),
            from_consultation=Count("pk", filter=Q(consultation__isnull=False)),
            from_triage=Count("pk", filter=Q(triage__isnull=False)),
            decided=Count("pk", filter=Q(decided_at__isnull=False)),
            rejected=Count("pk", filter=Q(status=Status.REJECTED)),
            arrived=Count("pk", filter=Q(arrived_at__isnull=False)),
            came_back_down=Count("pk", filter=Q(direction=Direction.UP, has_down=True)),
            loop_closed=Count("pk", filter=Q(direction=Direction.UP, arrived_at__isnull=False, has_closed_down=True)),
            follow_ups=Coalesce(Sum("items", filter=is_down), 0),
            follow_ups_done=Coalesce(Sum("items_done", filter=is_down), 0),
            follow_ups_lapsed=Coalesce(Sum("items_lapsed", filter=is_down), 0),
            decision_seconds=ArrayAgg(
                _EpochSeconds(F("decided_at") - F("submitted_at")),
                filter=Q(decided_at__isnull=False),
                default=Value([]),
            ),
            transfer_seconds=ArrayAgg(
                _EpochSeconds(F("arrived_at") - F("submitted_at")),
                filter=Q(arrived_at__isnull=False),
                default=Value([]),
            ),
        )
    )
    now = timezone.now()
    return [ReferralDay(updated_at=now, **row) for row in rows]


def rebuild(start: date, end: date) -> int:
    rows = rows_for(start, end)
    return replace_days(
        ReferralDay, rows, start, end, key=("day", "sending_hospital", "receiving_hospital", "direction", "urgency")
    )


def rebuild_recent(today: date | None = None) -> int:
    today = today or timezone.localdate()
    return rebuild(today - timedelta(days=ROLLING_DAYS), today)


def first_day() -> date | None:
    first = Referral.objects.filter(submitted_at__isnull=False).order_by("submitted_at").first()
    return timezone.localtime(first.submitted_at).date() if first else None
