"""Paths of training pages for the benchmark (bench/run.py's PAGES call these with the
page's user once Django is set up)."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from cloudpeds.accounts.models import User

from .demo.courses import COURSE_SLUGS
from .models import Exam


def attempt_path(user: User) -> str:
    """The page of the user's attempt at the fever exam under way (spec.neuro's, from the
    demo), or, once the demo attempt's time is up, the result page of their last attempt."""
    exam = Exam.objects.get(course__slug=COURSE_SLUGS[0])
    attempt = exam.attempts.filter(user=user).order_by("-number").first()
    if attempt is None:
        raise LookupError(f"{user} has no attempt at the fever exam: run `manage.py seed_demo` first")
    if attempt.is_open and attempt.deadline > timezone.now() + timedelta(minutes=2):
        return attempt.get_absolute_url()
    if attempt.is_open:
        attempt.expire(attempt.accepts_answers_until() + timedelta(seconds=1))
    return reverse("training:attempt_result", args=[attempt.public_id])
