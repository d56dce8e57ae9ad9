from django.core.management.base import BaseCommand

from cloudpeds.core.discovery import app_modules


class Command(BaseCommand):
    help = "Load the demo group, accounts and each app's demo data. Safe to run again."

    def handle(self, *args, **options) -> None:
        for module in app_modules("demo"):
            module.seed(self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
