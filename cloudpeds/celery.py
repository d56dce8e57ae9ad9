import logging
import os

from celery import Celery
from celery.signals import worker_init, worker_process_init, worker_process_shutdown

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cloudpeds.settings")

app = Celery("cloudpeds")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

logger = logging.getLogger(__name__)


# PDFs (cloudpeds/core/pdf.py): the ~0.3 s WeasyPrint import once in the main worker process,
# inherited by every pool process it forks (also those that replace a child after
# CELERY_WORKER_MAX_TASKS_PER_CHILD tasks); the fonts and a first layout (~0.4 s) in each
# pool process as it starts, before it takes a task; its font folder removed as it ends.


@worker_init.connect
def _import_pdf_machinery(**kwargs) -> None:
    try:
        import cloudpeds.core.pdf  # noqa: F401
    except Exception:
        logger.exception("Could not load the PDF machinery at worker start")


@worker_process_init.connect
def _warm_up_pdfs(**kwargs) -> None:
    try:
        from cloudpeds.core.pdf import warm_up

        warm_up()
    except Exception:
        # A worker that cannot warm up still serves; its first PDF will say what is wrong.
        logger.exception("PDF warm-up failed")


@worker_process_shutdown.connect
def _release_pdf_fonts(**kwargs) -> None:
    from cloudpeds.core.pdf import release_fonts

    release_fonts()
