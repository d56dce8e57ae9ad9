from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsultationsConfig(AppConfig):
    name = "consultations"
    verbose_name = _("Remote consultations")

    def ready(self) -> None:
        # Celery's autodiscovery imports consultations.tasks only; the report task lives
        # in its own module and registers here.
        from . import tasks_reports  # noqa: F401
