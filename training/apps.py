from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrainingConfig(AppConfig):
    name = "training"
    verbose_name = _("Training")

    def ready(self) -> None:
        # Celery's autodiscovery imports training.tasks only; the exam and certificate tasks register here.
        from . import tasks_exams  # noqa: F401
