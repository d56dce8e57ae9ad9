"""Who sees the outcomes pages, and of which hospitals.

Hospital leadership is the hospital's transfer administrator (the role that already runs a
hospital's side of the group, with two-factor sign-in): it sees its own hospital. The group
administrator sees every hospital. Nobody else (403); another hospital's page is a 404.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.db.models import QuerySet
from django.utils import timezone

from cloudpeds.accounts.models import Hospital
from cloudpeds.accounts.roles import Role

if TYPE_CHECKING:
    from cloudpeds.accounts.models import User


def sees_whole_group(user: User) -> bool:
    return user.is_authenticated and (user.is_superuser or user.has_role(Role.GROUP_ADMIN))


def can_see_outcomes(user: User) -> bool:
    return user.is_authenticated and (sees_whole_group(user) or user.has_role(Role.TRANSFER_ADMIN))


def hospitals_visible_to(user: User) -> QuerySet[Hospital]:
    if sees_whole_group(user):
        return Hospital.objects.order_by("code")
    if can_see_outcomes(user) and user.hospital_id:
        return Hospital.objects.filter(pk=user.hospital_id)
    return Hospital.objects.none()


# --- The outcomes app's own daily roll-ups (outcomes/rollups.py maintains them) -------------------


class CohortTrainingDay(models.Model):
    """Training by cohort: day × learner's hospital × professional title (a cohort is the
    hospital's learners of one title, as the training progress page groups them)."""

    day = models.DateField()
    hospital = models.ForeignKey("accounts.Hospital", on_delete=models.CASCADE, related_name="+")
    title = models.CharField(max_length=60, blank=True)
    enrolled = models.PositiveIntegerField(default=0)
    completed = models.PositiveIntegerField(default=0)
    attempts = models.PositiveIntegerField(default=0)
    passed = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "hospital", "title"], name="outcomes_cohort_day_unique")]
        indexes = [models.Index(fields=["hospital", "day"], name="outcomes_cohort_day_hospital")]

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} {self.title}"


class TopicConsultationDay(models.Model):
    """Consultations started from a handbook triage, day sent × requesting hospital × topic:
    how many, and how many were "repeats" (the asking doctor had completed, before sending
    it, a course with a lesson citing that topic)."""

    day = models.DateField()
    hospital = models.ForeignKey("accounts.Hospital", on_delete=models.CASCADE, related_name="+")
    topic = models.ForeignKey("handbook.Topic", on_delete=models.CASCADE, related_name="+")
    consultations = models.PositiveIntegerField(default=0)
    after_course = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "hospital", "topic"], name="outcomes_topic_consult_day_unique")
        ]
        indexes = [models.Index(fields=["hospital", "day"], name="outcomes_topic_consult_hosp")]

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d}"


class TriageDay(models.Model):
    """Handbook triage runs, day run × the doctor's hospital × topic × colour: how many, how
    many ended in a consultation or a referral, how many of those consultations the
    specialist answered, and how many answers agreed with the colour (red ↔ refer or
    transfer; yellow or green ↔ manage locally or tests then reconsult)."""

    day = models.DateField()
    hospital = models.ForeignKey("accounts.Hospital", on_delete=models.CASCADE, related_name="+")
    topic = models.ForeignKey("handbook.Topic", on_delete=models.CASCADE, related_name="+")
    colour = models.CharField(max_length=10)
    runs = models.PositiveIntegerField(default=0)
    to_consultation = models.PositiveIntegerField(default=0)
    to_referral = models.PositiveIntegerField(default=0)
    answered = models.PositiveIntegerField(default=0)
    agreed = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "hospital", "topic", "colour"], name="outcomes_triage_day_unique")
        ]
        indexes = [models.Index(fields=["hospital", "day"], name="outcomes_triage_day_hospital")]

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} {self.colour}"
