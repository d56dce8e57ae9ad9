from datetime import date

from django.core.management.base import BaseCommand
from django.utils import timezone

from cloudpeds.core.discovery import app_modules


class Command(BaseCommand):
    help = (
        "Recompute every app's daily roll-up rows (the `rollups` module of each app) from the first "
        "day with data to today: the backfill after an upgrade or a data repair. The periodic tasks "
        "keep the last 60 days current afterwards."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--since", type=date.fromisoformat, help="First day (YYYY-MM-DD); default: all history.")

    def handle(self, *args, since: date | None = None, **options) -> None:
        today = timezone.localdate()
        for module in app_modules("rollups"):
            start = since or module.first_day() or today
            rows = module.rebuild(start, today)
            self.stdout.write(f"{module.__name__}: {rows} rows for {start:%Y-%m-%d} to {today:%Y-%m-%d}")
