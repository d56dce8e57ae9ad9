"""Demo consultations for `manage.py seed_demo` (after the accounts', patients' and files' demos).

Every state of the workflow for the demo children of Yangpu and Chongming: two drafts (both
children without the guardian's consent, so the form shows why they cannot be sent), a case
waiting in the respiratory queue, one with a neurologist and a video case conference booked
for tomorrow, one paused on the specialist's SpO2 question, a febrile infant answered
"transfer urgently" (the referrals' demo then moves him to Xinhua), a first afebrile seizure
answered "manage locally", closed cases with feedback (some months back, so the metrics page
has a year to show), one declined, one withdrawn, and an urgent rash sent to the wrong
specialty, redirected and now past its target (marked overdue, as the periodic job would).

The cases themselves (the child, the question, the vital signs, each step with who takes it
and how long ago) are data in cases.json; this module plays them.

Each case runs through the model's transitions as the demo accounts, so events, care-team
grants, messages and inbox rows are all real; after each step its moment is moved into the
past (event, message, notification, grant and the case's clock fields) so the queue shows a
sensible time left and the metrics real response times. Demo emails are not sent.

Idempotent: a case is keyed by the fixed id of its consultation (uuid5 of its key) and made
once, in one transaction. Children come from cloudpeds/patients/demo/__init__.py; without them
(or without the demo accounts) the consultations demo is skipped with a message.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from cloudpeds.accounts.models import Department, User
from cloudpeds.attachments.demo import rash_photo
from cloudpeds.attachments.models import Attachment
from cloudpeds.core.pdfsign import ensure_demo_certificate
from cloudpeds.notifications.models import Notification
from cloudpeds.patients.models import CareTeamGrant, Patient

from ..models import CaseConference, Consultation, ConsultationEvent, Message, OpinionSignature, ResponseTarget

NAMESPACE = uuid.UUID("3b0f6c2e-8d1a-4f57-a9c4-5e2d7b9a1c08")
ACCOUNTS = ("dr.yangpu", "dr.chongming", "spec.resp", "spec.neuro")
LEAD_HOSPITAL = "xinhua"
CASES_FILE = Path(__file__).with_name("cases.json")


@dataclass(frozen=True)
class Step:
    # draft, submit, claim, message, info, provide, redirect, decline, answer, close,
    # withdraw, overdue, conference
    action: str
    hours_ago: float
    by: str = ""
    args: dict = field(default_factory=dict)


@dataclass(frozen=True)
class DemoCase:
    key: str
    record_number: str
    specialty: str
    urgency: str
    question: str
    history: str
    symptoms: str
    symptom_duration: str
    steps: tuple[Step, ...]
    vitals: dict = field(default_factory=dict)
    current_medicines: str = ""
    tried_so_far: str = ""
    # (file name, kind, description, seed of the generated rash photo), attached to the case
    photos: tuple[tuple[str, str, str, int], ...] = ()


def load_cases(path: Path = CASES_FILE) -> list[DemoCase]:
    """The demo cases as written in cases.json: a step's moment is `days_ago` and
    `hours_ago` before the seeding; `scenario` is for the people who read the file."""
    cases = []
    for entry in json.loads(path.read_text(encoding="utf-8")):
        entry = {name: value for name, value in entry.items() if name != "scenario"}
        steps = tuple(
            Step(
                action=step["action"],
                hours_ago=step.get("days_ago", 0) * 24 + step.get("hours_ago", 0),
                by=step.get("by", ""),
                args=step.get("args", {}),
            )
            for step in entry.pop("steps")
        )
        photos = tuple(
            (photo["name"], photo["kind"], photo["description"], photo["seed"]) for photo in entry.pop("photos", [])
        )
        cases.append(DemoCase(steps=steps, photos=photos, **entry))
    return cases


CASES = load_cases()


def seed(stdout) -> None:
    users = {user.username: user for user in User.objects.filter(username__in=ACCOUNTS)}
    missing = set(ACCOUNTS) - users.keys()
    if missing:
        stdout.write(f"Demo consultations: skipped (no demo account {', '.join(sorted(missing))}).")
        return
    records = {case.record_number for case in CASES}
    children = {patient.record_number: patient for patient in Patient.objects.filter(record_number__in=records)}
    if not children:
        stdout.write("Demo consultations: skipped (no demo children: run the patients' demo first).")
        return
    # The demo's self-signed PDF-signing certificate (development only; see cloudpeds/core/pdfsign.py).
    if ensure_demo_certificate() is not None:
        stdout.write("Demo consultations: opinion reports are signed with a self-signed DEMO certificate (var/).")
    created = existing = skipped = 0
    for case in CASES:
        public_id = demo_public_id(case.key)
        if Consultation.objects.filter(public_id=public_id).exists():
            existing += 1
            continue
        patient = children.get(case.record_number)
        department = Department.objects.filter(hospital__code=LEAD_HOSPITAL, specialty=case.specialty).first()
        if patient is None or department is None:
            skipped += 1
            continue
        _play(case, public_id, patient, department, users)
        created += 1
    stdout.write(
        f"Demo consultations: {created} created, {existing} already there"
        + (f", {skipped} skipped (child or specialty missing)" if skipped else "")
        + "."
    )


def demo_public_id(key: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, key)


@dataclass(frozen=True)
class _Marks:
    """The newest row of each table a step writes to, before the step: what is newer is its."""

    event: int
    message: int
    notification: int
    grant: int

    @classmethod
    def take(cls) -> _Marks:
        return cls(
            event=_last_pk(ConsultationEvent),
            message=_last_pk(Message),
            notification=_last_pk(Notification),
            grant=_last_pk(CareTeamGrant),
        )


def _last_pk(model) -> int:
    return model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


@transaction.atomic
def _play(case: DemoCase, public_id: uuid.UUID, patient: Patient, department: Department, users: dict) -> Consultation:
    now = timezone.now()
    first_notification = _last_pk(Notification)
    consultation: Consultation | None = None
    for step in case.steps:
        at = now - timedelta(hours=step.hours_ago)
        user = users.get(step.by)
        marks = _Marks.take()
        before = (consultation.paused_since, consultation.paused_total, consultation.due_at) if consultation else None
        if step.action == "draft":
            consultation = _draft(case, public_id, patient, department, user)
            _attach_photos(case, consultation, user, at)
        else:
            _act(step, consultation, user)
        fields = _moments(step.action, at, consultation, before)
        if fields:
            Consultation.objects.filter(pk=consultation.pk).update(**fields)
        ConsultationEvent.objects.filter(consultation=consultation, pk__gt=marks.event).update(at=at)
        Message.objects.filter(consultation=consultation, pk__gt=marks.message).update(created_at=at)
        Notification.objects.filter(pk__gt=marks.notification).update(created_at=at)
        CareTeamGrant.objects.filter(pk__gt=marks.grant, patient=patient).update(granted_at=at)
        if step.action == "conference":
            consultation.conferences.update(created_at=at)
        consultation.refresh_from_db()
        if step.action == "answer":
            # The answer was signed now; the demo's answer happened at `at`: signed again as of then.
            OpinionSignature.objects.filter(consultation=consultation).delete()
            OpinionSignature.sign(consultation, user, signed_at=at)
    # Demo data: the inbox rows stay (the accounts have something to read), no email goes out.
    # Changed before the commit, so the email tasks queued on commit find nothing to send.
    Notification.objects.filter(pk__gt=first_notification, email_status=Notification.EmailStatus.PENDING).update(
        email_status=Notification.EmailStatus.NOT_WANTED
    )
    return consultation


def _draft(
    case: DemoCase, public_id: uuid.UUID, patient: Patient, department: Department, doctor: User
) -> Consultation:
    vitals = {name: Decimal(value) if isinstance(value, str) else value for name, value in case.vitals.items()}
    consultation = Consultation(
        public_id=public_id,
        patient=patient,
        department=department,
        urgency=case.urgency,
        question=case.question,
        history=case.history,
        symptoms=case.symptoms,
        symptom_duration=case.symptom_duration,
        current_medicines=case.current_medicines,
        # As the form does: the allergies come from the child's record.
        allergies=patient.allergies,
        tried_so_far=case.tried_so_far,
        **vitals,
    )
    consultation.save_draft(doctor)
    return consultation


def _attach_photos(case: DemoCase, consultation: Consultation, doctor: User, at: datetime) -> None:
    for name, kind, description, seed in case.photos:
        attachment = Attachment.objects.create_from_upload(
            patient=consultation.patient,
            uploaded_by=doctor,
            upload=SimpleUploadedFile(name, rash_photo(seed)),
            kind=kind,
            description=description,
            source=consultation,
        )
        Attachment.objects.filter(pk=attachment.pk).update(uploaded_at=at)


def _act(step: Step, consultation: Consultation, user: User | None) -> None:
    args = step.args
    match step.action:
        case "submit":
            consultation.submit(user)
        case "claim":
            consultation.claim(user)
        case "message":
            consultation.post_message(user, args["body"])
        case "info":
            consultation.request_info(user, args["question"])
        case "provide":
            consultation.provide_info(user, args["answer"])
        case "redirect":
            to = Department.objects.get(hospital__code=LEAD_HOSPITAL, specialty=args["specialty"])
            consultation.redirect(user, to, args["reason"])
        case "decline":
            consultation.decline(user, args["reason"], args.get("comment", ""))
        case "answer":
            consultation.answer(user, **args)
        case "close":
            consultation.close(user, **args)
        case "withdraw":
            consultation.withdraw(user, args.get("reason", ""))
        case "overdue":
            # As the periodic job does; the due time was moved into the past by the steps before.
            if not consultation.mark_overdue():
                raise ValueError(f"Demo case {consultation.public_id} is not past its target at its 'overdue' step.")
        case "conference":
            day = timezone.localdate() + timedelta(days=args["days_ahead"])
            CaseConference.schedule(
                consultation,
                user,
                scheduled_for=timezone.make_aware(datetime.combine(day, time(args["hour"]))),
                duration_minutes=args["minutes"],
                participants=list(User.objects.filter(username__in=args["invite"])),
            )
        case _:
            raise ValueError(f"Unknown demo step {step.action!r}")


def _target(consultation: Consultation) -> timedelta:
    return timedelta(hours=ResponseTarget.hours_for(consultation.department.specialty, consultation.urgency))


def _moments(action: str, at: datetime, consultation: Consultation, before: tuple | None) -> dict:
    """The case's clock fields as they would be had the step happened at `at` (the model
    wrote the real time): the same rules as the transitions, applied to the demo's moments."""
    match action:
        case "draft":
            return {"created_at": at}
        case "submit":
            return {"submitted_at": at, "due_at": at + _target(consultation)}
        case "claim":
            return {"claimed_at": at}
        case "info":
            return {"paused_since": at}
        case "provide":
            paused_since, paused_total, due_at = before
            pause = at - paused_since
            return {"paused_total": paused_total + pause, "due_at": due_at + pause}
        case "redirect":
            # The clock restarts with the new specialty's target.
            return {"due_at": at + _target(consultation)}
        case "answer":
            return {"answered_at": at}
        case "close":
            return {"closed_at": at}
        case "overdue":
            return {"overdue_at": at}
    return {}
