from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "cloudpeds.accounts"
    label = "accounts"
    verbose_name = _("People and hospitals")

    def ready(self) -> None:
        from . import access_cache

        access_cache.connect()
