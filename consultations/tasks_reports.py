"""The consultation report task: thin, takes an id, safe to run twice (see reports.py)."""

from __future__ import annotations

from celery import shared_task
from django.db import DatabaseError

from . import reports


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    # Storage or database trouble is worth retrying; a bug in the template is not.
    autoretry_for=(OSError, DatabaseError),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=5,
)
def generate_consultation_report(consultation_id: int) -> bool:
    return reports.generate_report(consultation_id)
