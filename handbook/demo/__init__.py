"""The demo handbook, for `manage.py seed_demo`: eight topics, three triage pathways and
three drugs, written for the demo from public guidance (WHO IMCI chart booklets, NICE NG143)
in our own words and marked on every page as demonstration content, not clinical advice.

The content is the folder beside this module (content/: Markdown topics, JSON pathways and
drugs, the cough topic's video lecture), imported the way any content folder is (handbook.importing):
every version is written by `editor2` and approved by `editor` (the two-person rule). The
cough topic also has its earlier version (content/topics/history/: chest indrawing was
"severe pneumonia" in the older IMCI charts, "pneumonia" in the 2014 chart), so that "what
changed" has something to show; topic versions are dated as if approved on their
effective dates. Running it again changes nothing.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from cloudpeds.accounts.models import Department, Hospital, User
from cloudpeds.accounts.roles import Role

from ..importing import import_folder

CONTENT = Path(__file__).resolve().parent / "content"
# The cough topic's 40-second lecture (a title card, a running clock, a tone; made once with
# ffmpeg), shipped so that every machine's demo has it; the topic file names it.
DEMO_VIDEO = CONTENT / "videos" / "cough-lecture.mp4"

# The second handbook editor of the demo: the two-person rule needs two.
SECOND_EDITOR = {
    "username": "editor2",
    "last_name": "郑",
    "first_name": "雅琴",
    "title": "副主任医师",
    "description": "handbook editor (writes the demo topics; `editor` approves them)",
}


def _second_editor() -> User:
    hospital = Hospital.objects.get(code="xinhua")
    department = Department.objects.filter(hospital=hospital, specialty=Department.Specialty.GENERAL_PEDIATRICS).first()
    user, created = User.objects.update_or_create(
        username=SECOND_EDITOR["username"],
        defaults={
            "last_name": SECOND_EDITOR["last_name"],
            "first_name": SECOND_EDITOR["first_name"],
            "email": f"{SECOND_EDITOR['username']}@demo.cloudpeds.example",
            "hospital": hospital,
            "department": department,
            "title": SECOND_EDITOR["title"],
        },
    )
    if created:
        user.set_password(settings.DEMO_PASSWORD)
        user.save(update_fields=["password"])
    user.set_roles(Role.HANDBOOK_EDITOR)
    return user


def seed(stdout) -> None:
    author = _second_editor()
    approver = User.objects.get(username="editor")
    report = import_folder(CONTENT, author=author, approver=approver, backdate=True)
    stdout.write(report.lines()[0])
    stdout.write(f"  {SECOND_EDITOR['username']:<14} {SECOND_EDITOR['description']}")
