"""The platform's tasks: thin, take ids, call model code."""

from __future__ import annotations

from celery import shared_task
from django.apps import apps


@shared_task
def ping() -> str:
    """Proves a worker is consuming from the broker (used by the worker test)."""
    return "pong"


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=3,
    # The whole handbook in one document takes minutes; a certificate ~50 ms.
    time_limit=30 * 60,
    soft_time_limit=28 * 60,
)
def generate_pdf(model_label: str, pk: int) -> bool:
    """Make the PDF of one row of a `GeneratedPdf` model (cloudpeds/core/documents.py).
    Safe to run twice: a current PDF is left alone."""
    row = apps.get_model(model_label)._default_manager.filter(pk=pk).first()
    return row.generate_pdf() if row is not None else False
