#!/usr/bin/env python
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cloudpeds.settings")
    # With no DATABASE_URL, start (or reuse) the embedded development PostgreSQL here, once
    # for this command: runserver's autoreloader child inherits DATABASE_URL from us.
    from cloudpeds.devdb import ensure_database_url, to_stderr

    ensure_database_url(announce=to_stderr)
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
