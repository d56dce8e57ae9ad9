"""`manage.py seed_scale`: after every app's scale data (outcomes is the last app), rebuild
every app's daily roll-ups over the whole history, so the metrics and outcomes pages are
measured on the roll-ups as they are in production."""

from __future__ import annotations

import time

from django.utils import timezone

from cloudpeds.core.discovery import app_modules


def seed_scale(stdout, factor: float = 1.0) -> None:
    today = timezone.localdate()
    for module in app_modules("rollups"):
        started = time.monotonic()
        start = module.first_day() or today
        rows = module.rebuild(start, today)
        stdout.write(f"{module.__name__}: {rows} roll-up rows in {time.monotonic() - started:.1f} s")
