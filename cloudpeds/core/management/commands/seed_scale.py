from django.core.management.base import BaseCommand
from django.db import connection

from cloudpeds.core.discovery import app_modules


class Command(BaseCommand):
    help = "Fill the database with realistic volumes for `make bench` (each app adds its own)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--factor", type=float, default=1.0, help="Scale every volume by this factor.")

    def handle(self, *args, factor: float, **options) -> None:
        for module in app_modules("demo.scale"):
            module.seed_scale(self.stdout, factor=factor)
        analyze()
        self.stdout.write(self.style.SUCCESS("Scale data ready."))


def analyze() -> None:
    """Statistics for the planner on every table just filled.

    Without them (a PostgreSQL without autovacuum, or one that has not got round to it yet)
    the planner guesses from empty tables: the benchmark then measures plans no production
    database would choose (the metrics page sorted on disk, 348 ms instead of 210).
    """
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
