"""The handbook's background work: the PDF of the whole handbook (slow: every topic)."""

from __future__ import annotations

from celery import shared_task

from .models import HandbookEdition


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=3,
    # Every topic in one document: far longer than the portal's default 5-minute limit.
    time_limit=30 * 60,
    soft_time_limit=28 * 60,
)
def build_handbook_pdf(self, edition_id: int) -> bool:
    # Safe to run twice: a made edition is left alone (HandbookEdition.build).
    edition = HandbookEdition.objects.filter(pk=edition_id).first()
    return edition.build() if edition is not None else False
