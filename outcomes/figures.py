"""The outcome figures of one hospital, month by month, from the apps' daily roll-ups.

Nothing here reads a consultation, referral or enrolment row except today's: the stored
roll-up rows cover the days before today, and today's partial day is computed live with
the apps' own roll-up queries (`rollups.rows_for(today, today)`). Medians and 90th
percentiles are exact: the roll-ups keep each day's times, and one query per figure takes
percentile_cont over them (plus today's, live).

Figures of a hospital (its grassroots side: what its doctors asked, sent and got back):
§1 right level of care, §2 grassroots doctors getting better (training beside the
consultation figures). Shares are fractions of 1, None when there is nothing to divide.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db import connection
from django.db.models import Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from cloudpeds.accounts.models import Hospital, User
from cloudpeds.accounts.roles import Role
from cloudpeds.core.rollups import without_jit
from consultations import rollups as consultation_rollups
from consultations.models import ConsultationDay
from referrals import rollups as referral_rollups
from referrals.models import Direction, ReferralDay
from training import rollups as training_rollups
from training.models import TrainingDay

from . import rollups as outcome_rollups
from .models import CohortTrainingDay, TopicConsultationDay, TriageDay

CONSULTATION_COUNTS = (
    "submitted",
    "answered",
    "within_target",
    "answered_manage_locally",
    "answered_refer",
    "closed",
    "closed_managed_locally",
    "info_requested",
)
UP_COUNTS = ("submitted", "from_consultation", "arrived", "came_back_down", "loop_closed")
DOWN_COUNTS = ("submitted", "follow_ups", "follow_ups_done", "follow_ups_lapsed")
TRAINING_COUNTS = ("enrolled", "completed", "attempts", "passed")
TOPIC_COUNTS = ("consultations", "after_course")
TRIAGE_COUNTS = ("runs", "to_consultation", "to_referral", "answered", "agreed")


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass
class Month:
    month: date
    consultations: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CONSULTATION_COUNTS, 0))
    up: dict[str, int] = field(default_factory=lambda: dict.fromkeys(UP_COUNTS, 0))
    down: dict[str, int] = field(default_factory=lambda: dict.fromkeys(DOWN_COUNTS, 0))
    training: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TRAINING_COUNTS, 0))
    answer_median_hours: float | None = None
    answer_p90_hours: float | None = None
    transfer_median_hours: float | None = None
    doctors: int = 0
    topics: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TOPIC_COUNTS, 0))
    triage: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TRIAGE_COUNTS, 0))

    # §1 Is care staying at the right level?
    @property
    def managed_locally(self) -> float | None:
        return _share(self.consultations["answered_manage_locally"], self.consultations["answered"])

    @property
    def became_referrals(self) -> float | None:
        return _share(self.up["from_consultation"], self.consultations["submitted"])

    @property
    def came_back_down(self) -> float | None:
        return _share(self.up["came_back_down"], self.up["arrived"])

    @property
    def loop_closed(self) -> float | None:
        return _share(self.up["loop_closed"], self.up["arrived"])

    @property
    def follow_ups_done(self) -> float | None:
        return _share(self.down["follow_ups_done"], self.down["follow_ups_done"] + self.down["follow_ups_lapsed"])

    @property
    def within_target(self) -> float | None:
        return _share(self.consultations["within_target"], self.consultations["answered"])

    # §2 Are grassroots doctors getting better?
    @property
    def consultations_per_doctor(self) -> float | None:
        return _share(self.consultations["submitted"], self.doctors)

    @property
    def info_requested(self) -> float | None:
        return _share(self.consultations["info_requested"], self.consultations["submitted"])

    @property
    def completion(self) -> float | None:
        return _share(self.training["completed"], self.training["enrolled"])

    @property
    def pass_rate(self) -> float | None:
        return _share(self.training["passed"], self.training["attempts"])

    @property
    def after_course(self) -> float | None:
        """Of the consultations on a handbook topic, the share sent after the doctor had
        completed a course on that topic (outcomes/rollups.py says how topics are linked)."""
        return _share(self.topics["after_course"], self.topics["consultations"])

    # §3 Is the handbook used and does it help?
    @property
    def triage_to_handover(self) -> float | None:
        return _share(self.triage["to_consultation"] + self.triage["to_referral"], self.triage["runs"])

    @property
    def triage_agreed(self) -> float | None:
        return _share(self.triage["agreed"], self.triage["answered"])


def months_ending(month: date, count: int = 12) -> list[date]:
    index = month.year * 12 + month.month - 1
    return [date((i) // 12, i % 12 + 1, 1) for i in range(index - count + 1, index + 1)]


def _next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def _add(target: dict[str, int], source, names) -> None:
    for name in names:
        target[name] += getattr(source, name) if not isinstance(source, dict) else source[name] or 0


def _percentiles(sql: str, params: list) -> dict[date, tuple[float | None, float | None]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {row[0]: (row[1], row[2]) for row in cursor.fetchall()}


_TIMES_SQL = """
SELECT date_trunc('month', day)::date, percentile_cont(0.5) WITHIN GROUP (ORDER BY s),
       percentile_cont(0.9) WITHIN GROUP (ORDER BY s)
FROM (
    SELECT r.day, s FROM {table} r CROSS JOIN LATERAL unnest(r.{column}) AS s
    WHERE r.{hospital} = %s AND r.day >= %s AND r.day < %s {extra}
    UNION ALL
    SELECT %s::date, s FROM unnest(%s::double precision[]) AS s
) AS times
GROUP BY 1
"""


@without_jit
def hospital_months(hospital: Hospital, last_month: date, count: int = 12, today: date | None = None) -> list[Month]:
    """The figures of `hospital` for the `count` months ending with `last_month`."""
    today = today or timezone.localdate()
    months = months_ending(last_month, count)
    start, end = months[0], _next_month(months[-1])
    stored_end = min(end, today)  # stored rows for the days before today
    result = {month: Month(month=month) for month in months}
    live_today = start <= today < end
    this_month = today.replace(day=1)

    # Consultations the hospital's doctors sent.
    stored = (
        ConsultationDay.objects.filter(requesting_hospital=hospital, day__gte=start, day__lt=stored_end)
        .annotate(month=TruncMonth("day"))
        .values("month")
        .annotate(**{name: Sum(name) for name in CONSULTATION_COUNTS})
        .order_by()
    )
    for row in stored:
        _add(result[row["month"]].consultations, row, CONSULTATION_COUNTS)
    live_answers: list[float] = []
    if live_today:
        for row in consultation_rollups.rows_for(today, today):
            if row.requesting_hospital_id == hospital.pk:
                _add(result[this_month].consultations, row, CONSULTATION_COUNTS)
                live_answers += row.response_seconds
    answer_times = _percentiles(
        _TIMES_SQL.format(
            table=ConsultationDay._meta.db_table, column="response_seconds", hospital="requesting_hospital_id", extra=""
        ),
        [hospital.pk, start, stored_end, today, live_answers],
    )

    # Referrals: up-referrals the hospital sent, down-referrals it received back.
    stored = (
        ReferralDay.objects.filter(
            day__gte=start, day__lt=stored_end, direction=Direction.UP, sending_hospital=hospital
        )
        .annotate(month=TruncMonth("day"))
        .values("month")
        .annotate(**{name: Sum(name) for name in UP_COUNTS})
        .order_by()
    )
    for row in stored:
        _add(result[row["month"]].up, row, UP_COUNTS)
    stored = (
        ReferralDay.objects.filter(
            day__gte=start, day__lt=stored_end, direction=Direction.DOWN, receiving_hospital=hospital
        )
        .annotate(month=TruncMonth("day"))
        .values("month")
        .annotate(**{name: Sum(name) for name in DOWN_COUNTS})
        .order_by()
    )
    for row in stored:
        _add(result[row["month"]].down, row, DOWN_COUNTS)
    live_transfers: list[float] = []
    if live_today:
        for row in referral_rollups.rows_for(today, today):
            if row.direction == Direction.UP and row.sending_hospital_id == hospital.pk:
                _add(result[this_month].up, row, UP_COUNTS)
                live_transfers += row.transfer_seconds
            elif row.direction == Direction.DOWN and row.receiving_hospital_id == hospital.pk:
                _add(result[this_month].down, row, DOWN_COUNTS)
    transfer_times = _percentiles(
        _TIMES_SQL.format(
            table=ReferralDay._meta.db_table,
            column="transfer_seconds",
            hospital="sending_hospital_id",
            extra="AND r.direction = 'up'",
        ),
        [hospital.pk, start, stored_end, today, live_transfers],
    )

    # Training of the hospital's people.
    stored = (
        TrainingDay.objects.filter(hospital=hospital, day__gte=start, day__lt=stored_end)
        .annotate(month=TruncMonth("day"))
        .values("month")
        .annotate(**{name: Sum(name) for name in TRAINING_COUNTS})
        .order_by()
    )
    for row in stored:
        _add(result[row["month"]].training, row, TRAINING_COUNTS)
    if live_today:
        for row in training_rollups.rows_for(today, today):
            if row.hospital_id == hospital.pk:
                _add(result[this_month].training, row, TRAINING_COUNTS)

    # The outcomes app's own roll-ups: consultations on a topic, triage runs.
    for model, names, target in ((TopicConsultationDay, TOPIC_COUNTS, "topics"), (TriageDay, TRIAGE_COUNTS, "triage")):
        stored = (
            model.objects.filter(hospital=hospital, day__gte=start, day__lt=stored_end)
            .annotate(month=TruncMonth("day"))
            .values("month")
            .annotate(**{name: Sum(name) for name in names})
            .order_by()
        )
        for row in stored:
            _add(getattr(result[row["month"]], target), row, names)
    if live_today:
        for row in outcome_rollups.topic_consultation_rows(today, today):
            if row.hospital_id == hospital.pk:
                _add(result[this_month].topics, row, TOPIC_COUNTS)
        for row in outcome_rollups.triage_rows(today, today):
            if row.hospital_id == hospital.pk:
                _add(result[this_month].triage, row, TRIAGE_COUNTS)

    # The hospital's grassroots doctors today (the denominator of consultations per doctor).
    doctors = User.objects.with_role(Role.GRASSROOTS_DOCTOR).filter(hospital=hospital).count()

    hours = 3600.0
    for month, figures in result.items():
        median, p90 = answer_times.get(month, (None, None))
        figures.answer_median_hours = median / hours if median is not None else None
        figures.answer_p90_hours = p90 / hours if p90 is not None else None
        transfer, _p90 = transfer_times.get(month, (None, None))
        figures.transfer_median_hours = transfer / hours if transfer is not None else None
        figures.doctors = doctors
    return [result[month] for month in months]


def _stored_and_today(model, hospital: Hospital, start: date, end: date, today: date, live) -> list:
    """The rows of `model` for `hospital` in start..end (exclusive): stored before today, today live."""
    rows = list(model.objects.filter(hospital=hospital, day__gte=start, day__lt=min(end, today)))
    if start <= today < end:
        rows += [row for row in live(today, today) if row.hospital_id == hospital.pk]
    return rows


@dataclass
class Cohort:
    title: str
    enrolled: int = 0
    completed: int = 0
    attempts: int = 0
    passed: int = 0

    @property
    def completion(self) -> float | None:
        return _share(self.completed, self.enrolled)

    @property
    def pass_rate(self) -> float | None:
        return _share(self.passed, self.attempts)


@without_jit
def cohorts(hospital: Hospital, last_month: date, count: int = 12, today: date | None = None) -> list[Cohort]:
    """§2 by cohort: the hospital's learners of each professional title over the `count`
    months ending with `last_month` (enrolments, completions, exam attempts and passes on
    the day they happened), by title."""
    today = today or timezone.localdate()
    months = months_ending(last_month, count)
    start, end = months[0], _next_month(months[-1])
    by_title: dict[str, Cohort] = {}
    for row in _stored_and_today(CohortTrainingDay, hospital, start, end, today, outcome_rollups.cohort_rows):
        cohort = by_title.setdefault(row.title, Cohort(title=row.title))
        for name in TRAINING_COUNTS:
            setattr(cohort, name, getattr(cohort, name) + getattr(row, name))
    return sorted(by_title.values(), key=lambda cohort: (-cohort.enrolled, cohort.title))


@dataclass
class TopicColour:
    topic: object  # handbook.Topic
    colour: str
    runs: int = 0
    to_consultation: int = 0
    to_referral: int = 0
    answered: int = 0
    agreed: int = 0

    @property
    def agreement(self) -> float | None:
        return _share(self.agreed, self.answered)

    @property
    def colour_label(self) -> str:
        from handbook.models import Colour

        return str(Colour(self.colour).label) if self.colour in Colour.values else self.colour

    @property
    def topic_title(self) -> str:
        version = self.topic.current_version
        return version.title if version else self.topic.slug


@without_jit
def triage_by_topic(
    hospital: Hospital, last_month: date, count: int = 1, today: date | None = None
) -> list[TopicColour]:
    """§3: the hospital's triage runs by handbook topic and colour over the `count` months
    ending with `last_month`, most runs first."""
    from handbook.models import Topic

    today = today or timezone.localdate()
    months = months_ending(last_month, count)
    start, end = months[0], _next_month(months[-1])
    cells: dict[tuple[int, str], dict[str, int]] = {}
    for row in _stored_and_today(TriageDay, hospital, start, end, today, outcome_rollups.triage_rows):
        cell = cells.setdefault((row.topic_id, row.colour), dict.fromkeys(TRIAGE_COUNTS, 0))
        _add(cell, row, TRIAGE_COUNTS)
    topics = Topic.objects.select_related("current_version").in_bulk([topic for topic, _colour in cells])
    colour_order = {"red": 0, "yellow": 1, "green": 2}
    result = [TopicColour(topic=topics[topic], colour=colour, **counts) for (topic, colour), counts in cells.items()]
    return sorted(result, key=lambda c: (-c.runs, c.topic.slug, colour_order.get(c.colour, 9)))
