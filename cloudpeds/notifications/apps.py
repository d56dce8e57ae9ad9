from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "cloudpeds.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from . import checks, kinds

        # Every installed app's `notifications` module registers its kinds (see kinds.py).
        kinds.autodiscover()
        checks.register_checks()
