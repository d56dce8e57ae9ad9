from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def create_cache_table(sender: AppConfig, using: str = "default", **kwargs) -> None:
    """Create the database cache table (when a DatabaseCache is configured) after migrating.

    Without Redis the rate limits live in that table; creating it here means that every way
    of migrating a database creates it too, with nothing to remember. Django sends the signal
    once per app with models (this app has none, so the handler listens to all of them);
    createcachetable does nothing when the table exists.
    """
    from django.core.management import call_command

    call_command("createcachetable", database=using, verbosity=0)


class CoreConfig(AppConfig):
    name = "cloudpeds.core"
    label = "core"
    verbose_name = _("Portal")

    def ready(self) -> None:
        post_migrate.connect(create_cache_table, dispatch_uid="cloudpeds.core.create_cache_table")
        from cloudpeds.core import worklist

        worklist.connect()  # the home page's cached work items die with the rows they count
