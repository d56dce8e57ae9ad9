from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "cloudpeds.audit"
    label = "audit"
    verbose_name = _("Audit")

    def ready(self) -> None:
        from . import security_signals  # noqa: F401 - connects the security log's receivers
