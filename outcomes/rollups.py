"""The outcomes app's own daily roll-ups: training by cohort, consultations on a handbook
topic (and repeats after the course on it), handbook triage runs and where they led.

As the apps' roll-ups (consultations/rollups.py): `rows_for(start, end)` computes the rows
of a range of days with one GROUP BY query per model, `rebuild(start, end)` stores them with
`cloudpeds.core.rollups.replace_days`; the periodic task `outcomes.tasks.rebuild_recent_rollups`
rebuilds the last ROLLING_DAYS days every 15 minutes and `manage.py rebuild_rollups` the
whole history. Days are Beijing days.

How topics are linked: a consultation's handbook topic is the topic of the pathway of the
triage run it was started from (`TriageRun.consultation`); a course's topics are the topics
of the handbook versions its lessons cite (`Lesson.handbook_topic_version`). A consultation
is "after the course" when the doctor who sent it had completed (`Enrolment.completed_at`),
before sending it, a course citing its topic.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.db.models.functions import TruncDate
from django.utils import timezone

from cloudpeds.core.rollups import replace_days
from consultations.models import REFERRAL_RECOMMENDATIONS, Consultation
from handbook.models import TriageRun
from referrals.models import Referral
from training.models import Attempt, Enrolment

from .models import CohortTrainingDay, TopicConsultationDay, TriageDay

ROLLING_DAYS = 60
RED = "red"


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_default_timezone())


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    return _day_start(start), _day_start(end + timedelta(1))


def cohort_rows(start: date, end: date) -> list[CohortTrainingDay]:
    tz = timezone.get_default_timezone()
    low, high = _bounds(start, end)
    merged: dict[tuple, dict[str, int]] = defaultdict(dict)

    def add(queryset, moment: str, **counts) -> None:
        rows = (
            queryset.filter(**{f"{moment}__gte": low, f"{moment}__lt": high, "user__hospital__isnull": False})
            .order_by()
            .annotate(day=TruncDate(moment, tzinfo=tz))
            .values("day", "user__hospital_id", "user__title")
            .annotate(**counts)
        )
        for row in rows:
            merged[(row["day"], row["user__hospital_id"], row["user__title"])].update({n: row[n] for n in counts})

    add(Enrolment.objects, "created_at", enrolled=Count("pk"))
    add(Enrolment.objects, "completed_at", completed=Count("pk"))
    add(
        Attempt.objects.filter(submitted_at__isnull=False),
        "submitted_at",
        attempts=Count("pk"),
        passed=Count("pk", filter=Q(passed=True)),
    )
    now = timezone.now()
    return [
        CohortTrainingDay(day=day, hospital_id=hospital, title=title, updated_at=now, **counts)
        for (day, hospital, title), counts in sorted(merged.items())
    ]


def topic_consultation_rows(start: date, end: date) -> list[TopicConsultationDay]:
    tz = timezone.get_default_timezone()
    low, high = _bounds(start, end)
    topic = Subquery(
        TriageRun.objects.filter(consultation=OuterRef("pk"))
        .order_by("created_at")
        .values("pathway_version__pathway__topic_id")[:1]
    )
    after_course = Exists(
        Enrolment.objects.filter(
            user=OuterRef("requested_by_id"),
            completed_at__lt=OuterRef("submitted_at"),
            course__modules__lessons__handbook_topic_version__topic=OuterRef("topic_id"),
        )
    )
    rows = (
        Consultation.objects.filter(submitted_at__gte=low, submitted_at__lt=high)
        .annotate(topic_id=topic)
        .filter(topic_id__isnull=False)
        .annotate(after=after_course, day=TruncDate("submitted_at", tzinfo=tz))
        .order_by()
        .values("day", "requesting_hospital_id", "topic_id")
        .annotate(consultations=Count("pk"), after_course=Count("pk", filter=Q(after=True)))
    )
    now = timezone.now()
    return [
        TopicConsultationDay(
            day=row["day"],
            hospital_id=row["requesting_hospital_id"],
            topic_id=row["topic_id"],
            consultations=row["consultations"],
            after_course=row["after_course"],
            updated_at=now,
        )
        for row in sorted(rows, key=lambda r: (r["day"], r["requesting_hospital_id"], r["topic_id"]))
    ]


def triage_rows(start: date, end: date) -> list[TriageDay]:
    tz = timezone.get_default_timezone()
    low, high = _bounds(start, end)
    answered = Q(consultation__answered_at__isnull=False) & ~Q(consultation__recommendation="")
    refer = Q(consultation__recommendation__in=REFERRAL_RECOMMENDATIONS)
    agreed = answered & ((Q(classification_colour=RED) & refer) | (~Q(classification_colour=RED) & ~refer))
    rows = (
        TriageRun.objects.filter(created_at__gte=low, created_at__lt=high, hospital__isnull=False)
        .annotate(
            day=TruncDate("created_at", tzinfo=tz),
            referred=Exists(Referral.objects.filter(triage=OuterRef("pk"))),
        )
        .order_by()
        .values("day", "hospital_id", "pathway_version__pathway__topic_id", "classification_colour")
        .annotate(
            runs=Count("pk"),
            to_consultation=Count("pk", filter=Q(consultation__isnull=False)),
            to_referral=Count("pk", filter=Q(referred=True)),
            answered=Count("pk", filter=answered),
            agreed=Count("pk", filter=agreed),
        )
    )
    now = timezone.now()
    keys = ("day", "hospital_id", "pathway_version__pathway__topic_id", "classification_colour")
    return [
        TriageDay(
            day=row["day"],
            hospital_id=row["hospital_id"],
            topic_id=row["pathway_version__pathway__topic_id"],
            colour=row["classification_colour"],
            runs=row["runs"],
            to_consultation=row["to_consultation"],
            to_referral=row["to_referral"],
            answered=row["answered"],
            agreed=row["agreed"],
            updated_at=now,
        )
        for row in sorted(rows, key=lambda r: tuple(r[k] for k in keys))
    ]


def rebuild(start: date, end: date) -> int:
    return (
        replace_days(CohortTrainingDay, cohort_rows(start, end), start, end, key=("day", "hospital", "title"))
        + replace_days(
            TopicConsultationDay, topic_consultation_rows(start, end), start, end, key=("day", "hospital", "topic")
        )
        + replace_days(TriageDay, triage_rows(start, end), start, end, key=("day", "hospital", "topic", "colour"))
    )


def rebuild_recent(today: date | None = None) -> int:
    today = today or timezone.localdate()
    return rebuild(today - timedelta(days=ROLLING_DAYS), today)


def first_day() -> date | None:
    firsts = [
        timezone.localtime(moment).date()
        for moment in (
            Enrolment.objects.order_by("created_at").values_list("created_at", flat=True).first(),
            Consultation.objects.filter(submitted_at__isnull=False)
            .order_by("submitted_at")
            .values_list("submitted_at", flat=True)
            .first(),
            TriageRun.objects.order_by("created_at").values_list("created_at", flat=True).first(),
        )
        if moment is not None
    ]
    return min(firsts) if firsts else None
