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

import json
from datetime import date
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
    seed_reference_cases(stdout)


REFERENCE_CASES = CONTENT / "reference_cases.json"


def seed_reference_cases(stdout) -> None:
    """The demo pathways' reference cases, proposed by `safety` and approved by `safety2`
    (the two-person rule of clinical safety); a case already there (by name) is left alone."""
    from handbook.models import Pathway, ProposalKind, ReferenceCase, ReferenceCaseProposal

    proposer = User.objects.get(username="safety")
    approver = User.objects.get(username="safety2")
    data = json.loads(REFERENCE_CASES.read_text())
    added = 0
    for slug, cases in data["pathways"].items():
        pathway = Pathway.objects.filter(slug=slug).first()
        if pathway is None:
            continue
        for case in cases:
            if ReferenceCase.objects.filter(pathway=pathway, name=case["name"]).exists():
                continue
            proposal = ReferenceCaseProposal.propose(
                proposer,
                pathway=pathway,
                kind=ProposalKind.ADD,
                reason="CLINICAL-FACTS.md boundary (demonstration content)",
                name=case["name"],
                born=date.fromisoformat(case["born"]),
                assessed_on=date.fromisoformat(case["assessed_on"]),
                answers=case["answers"],
                expected=case["expected"],
                expected_notes=case["expected_notes"],
            )
            proposal.approve(approver, "checked against IMCI / NICE NG143")
            added += 1
    stdout.write(f"Reference cases: {added} added ({ReferenceCase.objects.active().count()} active)")
