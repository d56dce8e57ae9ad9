"""The training daily roll-up: one day × learner's hospital × course of enrolments, course
completions, exam attempts and passes, each counted on the day it happened (Beijing time).
Maintained by training/rollups.py; the outcomes page reads it."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

__all__ = ["TrainingDay"]


class TrainingDay(models.Model):
    day = models.DateField()
    hospital = models.ForeignKey("accounts.Hospital", on_delete=models.CASCADE, related_name="+")
    course = models.ForeignKey("training.Course", on_delete=models.CASCADE, related_name="+")
    enrolled = models.PositiveIntegerField(default=0)
    completed = models.PositiveIntegerField(default=0)
    attempts = models.PositiveIntegerField(default=0)
    passed = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "hospital", "course"], name="training_day_unique")]
        indexes = [models.Index(fields=["hospital", "day"], name="training_day_hospital")]

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d}"
