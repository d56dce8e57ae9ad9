from django.core.management.base import BaseCommand

from cloudpeds.core.discovery import app_modules


class Command(BaseCommand):
    help = "Fill the database with realistic volumes for `make bench` (each app adds its own)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--factor", type=float, default=1.0, help="Scale every volume by this factor.")

    def handle(self, *args, factor: float, **options) -> None:
        for module in app_modules("demo.scale"):
            module.seed_scale(self.stdout, factor=factor)
        self.stdout.write(self.style.SUCCESS("Scale data ready."))
