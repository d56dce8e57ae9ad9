"""`manage.py import_handbook <folder> --author A --approver B`: import a content folder
(handbook.content) through the review workflow: A writes each new version, B approves it."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cloudpeds.accounts.models import User
from handbook.content import ContentError
from handbook.importing import import_folder
from handbook.models import HandbookError


class Command(BaseCommand):
    help = "Import handbook topics, triage pathways and drugs from a content folder, through the two-person review."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder", type=Path, help="the content folder (topics/, pathways/, drugs.json)")
        parser.add_argument("--author", required=True, help="username of the handbook editor who writes the versions")
        parser.add_argument("--approver", required=True, help="username of another handbook editor, who approves them")

    def handle(self, *args, folder: Path, author: str, approver: str, **options) -> None:
        people = {user.username: user for user in User.objects.filter(username__in=[author, approver])}
        missing = [name for name in (author, approver) if name not in people]
        if missing:
            raise CommandError(f"No such user: {', '.join(missing)}")
        try:
            report = import_folder(folder, author=people[author], approver=people[approver])
        except ContentError as exc:
            raise CommandError("Nothing was imported:\n" + "\n".join(exc.problems)) from exc
        except HandbookError as exc:
            raise CommandError(f"Nothing was imported: {exc}") from exc
        for line in report.lines():
            self.stdout.write(line)
