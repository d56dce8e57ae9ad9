"""Remote consultations (eConsult): a grassroots doctor asks about a child, a Xinhua
specialist answers.

Workflow (status, declared with django-fsm-2; every transition is a model method that
checks who may do it, runs in a transaction on a locked row, writes a ConsultationEvent
and queues notifications after commit):

    draft ──submit──▶ submitted ──claim/assign──▶ claimed ──answer──▶ answered ──close──▶ closed
                        ▲   │                       │  ▲
                        │   └──decline──▶ declined   │  └──provide_info── info_requested
                        └────────redirect───────────┤◀──request_info────────┘
                                                    └──decline──▶ declined

The response clock runs from submission to the answer, minus the time spent waiting for
the requesting doctor's information (pauses). `due_at` moves forward by each pause.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from enum import StrEnum
from functools import cached_property
from typing import Any

import pghistory
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from cloudpeds.accounts.models import Department, Hospital, TitleGrade, User
from cloudpeds.accounts.roles import DOCTOR_ROLES, Role
from cloudpeds.attachments.models import Attachment
from cloudpeds.audit.history import track_clinical
from cloudpeds.core.documents import GeneratedPdf
from cloudpeds.core.fsm import ReloadableStatusMixin
from cloudpeds.core.paths import record_path
from cloudpeds.core.retention import RetentionClass, keep_until_field, retention_class_field, retention_triggers
from cloudpeds.notifications.services import in_both_languages, notify
from cloudpeds.patients.models import Patient, ServiceConsent

from .vitals import VITAL_FIELDS, readings


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Waiting for a specialist")
    CLAIMED = "claimed", _("With a specialist")
    INFO_REQUESTED = "info_requested", _("More information requested")
    ANSWERED = "answered", _("Answered")
    CLOSED = "closed", _("Closed")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")


OPEN_STATUSES = (Status.SUBMITTED, Status.CLAIMED, Status.INFO_REQUESTED)
# The clock runs in these states (not while waiting for the requesting doctor).
CLOCK_RUNNING_STATUSES = (Status.SUBMITTED, Status.CLAIMED)


class Urgency(models.TextChoices):
    URGENT = "urgent", _("Urgent (answer within 4 hours)")
    ROUTINE = "routine", _("Routine (answer within 48 hours)")


DEFAULT_TARGET_HOURS = {Urgency.URGENT: 4, Urgency.ROUTINE: 48}


class Recommendation(models.TextChoices):
    MANAGE_LOCALLY = "manage_locally", _("Manage locally with this plan")
    TESTS_THEN_RECONSULT = "tests_then_reconsult", _("Do these tests, then consult again")
    REFER = "refer", _("Refer to Xinhua")
    TRANSFER_URGENTLY = "transfer_urgently", _("Transfer urgently")


REFERRAL_RECOMMENDATIONS = (Recommendation.REFER, Recommendation.TRANSFER_URGENTLY)


class DeclineReason(models.TextChoices):
    OUTSIDE_SPECIALTY = "outside_specialty", _("Outside this specialty")
    INSUFFICIENT_INFORMATION = "insufficient_information", _("Not enough information to answer")
    NEEDS_IN_PERSON = "needs_in_person", _("Needs an in-person assessment")
    DUPLICATE = "duplicate", _("Duplicate of another consultation")
    OTHER = "other", _("Other")


class Adoption(models.TextChoices):
    FULLY = "fully", _("Adopted fully")
    PARTLY = "partly", _("Adopted in part")
    NOT = "not", _("Not adopted")


# --- Who may open which pages (the views' @requires, beside the models they guard) ----------


def can_ask_consultations(user: User) -> bool:
    """Doctors of a hospital (specialists too) ask about their own hospital's children."""
    return user.is_authenticated and user.is_doctor and user.hospital_id is not None


def can_read_consultations(user: User) -> bool:
    """Who opens case pages: doctors of a hospital, and group administrators (escalations of
    late cases are sent to them and link to the case page: they read it, every action stays
    with the doctors). Which cases: `Consultation.objects.visible_to(user)`."""
    return (
        user.is_authenticated and user.hospital_id is not None and (user.is_doctor or user.has_role(Role.GROUP_ADMIN))
    )


def works_from_the_queue(user: User) -> bool:
    """Specialists, and group administrators who are not doctors: their consultations start
    from the specialty queues, not from a hospital's list of cases."""
    return user.is_authenticated and (
        user.has_role(Role.SPECIALIST) or (user.has_role(Role.GROUP_ADMIN) and not user.is_doctor)
    )


def can_open_consultations(user: User) -> bool:
    """Who the consultations page lets in: the askers see their list, the others their queue."""
    return can_ask_consultations(user) or works_from_the_queue(user)


def can_see_queue(user: User) -> bool:
    """A specialist sees their department's queue; group administrators watch every queue."""
    return user.is_authenticated and (
        user.has_role(Role.GROUP_ADMIN) or (user.has_role(Role.SPECIALIST) and user.department_id is not None)
    )


def can_see_metrics(user: User) -> bool:
    return user.is_authenticated and user.has_role(Role.SPECIALIST, Role.GROUP_ADMIN)


def manages_response_targets(user: User) -> bool:
    """Whoever administers the group sets its response targets (in the admin)."""
    return (
        user.is_authenticated
        and user.is_active
        and user.is_staff
        and (user.is_superuser or user.has_role(Role.GROUP_ADMIN))
    )


class ConsultationError(Exception):
    """A transition refused for a reason the person can act on; the message is shown."""


class ResponseTarget(models.Model):
    """Per-specialty response targets, editable by group administrators in the admin."""

    specialty = models.CharField(_("specialty"), max_length=40, choices=Department.Specialty.choices)
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices)
    hours = models.PositiveIntegerField(_("answer within (hours)"))

    class Meta:
        verbose_name = _("response target")
        verbose_name_plural = _("response targets")
        constraints = [
            models.UniqueConstraint(fields=["specialty", "urgency"], name="response_target_unique"),
            models.CheckConstraint(condition=Q(hours__gte=1), name="response_target_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.get_specialty_display()} {self.get_urgency_display()}: {self.hours}h"

    @classmethod
    def hours_for(cls, specialty: str, urgency: str) -> int:
        target = cls.objects.filter(specialty=specialty, urgency=urgency).values_list("hours", flat=True).first()
        return target or DEFAULT_TARGET_HOURS[Urgency(urgency)]


class ConsultationQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> ConsultationQuerySet:
        """The requesting hospital's doctors, and the specialists of the department asked
        (they must see a case to claim it) — plus the assigned specialist, who keeps access
        through the care-team grant even if the case is redirected away."""
        if not user.is_authenticated or user.hospital_id is None:
            return self.none()
        rule = Q(requesting_hospital_id=user.hospital_id)
        if user.has_role(Role.SPECIALIST) and user.department_id:
            # A withdrawn remote-service consent stops the sharing: the department no longer
            # sees the case (the requesting hospital keeps it, it is their record).
            rule |= (
                Q(department_id=user.department_id)
                & ~Q(status=Status.DRAFT)
                & Q(service_consent__withdrawn_at__isnull=True)
            )
            rule |= Q(assigned_to=user) & Q(service_consent__withdrawn_at__isnull=True)
        return self.filter(rule)

    def overseen_by(self, user: User) -> ConsultationQuerySet:
        """What a person may count and list without opening: group administrators watch
        response times across the group (queues, metrics, escalations) but do not read the
        cases, whose pages stay behind `visible_to`. Everyone else: their visible cases."""
        if user.is_authenticated and user.has_role(Role.GROUP_ADMIN):
            return self.exclude(status=Status.DRAFT)
        return self.visible_to(user)

    def open(self) -> ConsultationQuerySet:
        return self.filter(status__in=OPEN_STATUSES)

    def queue_for(self, department: Department) -> ConsultationQuerySet:
        """A specialty's queue: overdue first, then by due time; cases waiting for the
        requesting doctor's reply last, since no specialist can act on them now."""
        return (
            self.filter(department=department, status__in=OPEN_STATUSES)
            .annotate(
                is_overdue=models.ExpressionWrapper(
                    Q(due_at__lt=timezone.now(), paused_since__isnull=True), output_field=models.BooleanField()
                ),
                is_waiting=models.ExpressionWrapper(
                    Q(status=Status.INFO_REQUESTED), output_field=models.BooleanField()
                ),
            )
            # pk last: cases due at the same moment keep one order, so pages do not overlap.
            .order_by("is_waiting", "-is_overdue", "due_at", "pk")
        )

    def assigned_to_user(self, user: User) -> ConsultationQuerySet:
        """A specialist's own open cases ("my cases"): with them, or waiting for information."""
        mine = self.filter(assigned_to=user, status__in=(Status.CLAIMED, Status.INFO_REQUESTED))
        return mine.order_by("due_at", "pk")

    def past_target(self, now: datetime | None = None) -> ConsultationQuerySet:
        now = now or timezone.now()
        return self.filter(status__in=CLOCK_RUNNING_STATUSES, due_at__lt=now)

    def escalation_due(self, now: datetime) -> ConsultationQuerySet:
        """Past their target and not yet marked overdue, or overdue for longer than the
        escalation delay and not yet escalated: the periodic job's work."""
        escalate_before = now - timedelta(hours=settings.CONSULTATION_ESCALATION_DELAY_HOURS)
        return self.past_target(now).filter(
            Q(overdue_at__isnull=True) | Q(escalated_at__isnull=True, overdue_at__lte=escalate_before)
        )

    def with_list_columns(self) -> ConsultationQuerySet:
        """What a list row shows, in one query for any page size."""
        return self.select_related("patient", "department", "requested_by", "assigned_to")


# Consultation's history model cannot take pghistory's default name: "ConsultationEvent" is
# the workflow's own event model below, and the two collided (the history triggers wrote into
# the workflow table and every insert failed). Same trackers as track_clinical(), another name.
@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    pghistory.DeleteEvent(),
    model_name="ConsultationHistory",
    obj_field=pghistory.ObjForeignKey(related_name="changes"),
)
class Consultation(ReloadableStatusMixin, models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="consultations", verbose_name=_("patient")
    )
    requesting_hospital = models.ForeignKey(
        Hospital, on_delete=models.PROTECT, related_name="+", verbose_name=_("requesting hospital")
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("requesting doctor")
    )
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="consultations", verbose_name=_("specialty asked")
    )
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.ROUTINE)
    # The invitation (远程医疗邀请, issue 15 point 2): what is asked of whom. The specialty is
    # `department`; the title, where chosen, is the lowest rung that may accept.
    invited_title = models.CharField(_("invited doctor's title"), max_length=20, choices=TitleGrade.choices, blank=True)
    status = FSMField(_("status"), default=Status.DRAFT, choices=Status.choices, protected=True)

    # The case
    question = models.TextField(_("clinical question"), blank=True)
    history = models.TextField(_("history of the present illness"), blank=True)
    symptoms = models.TextField(_("symptoms"), blank=True)
    symptom_duration = models.CharField(_("duration of symptoms"), max_length=60, blank=True)
    temperature_c = models.DecimalField(_("temperature (°C)"), max_digits=3, decimal_places=1, null=True, blank=True)
    heart_rate = models.PositiveSmallIntegerField(_("heart rate (/min)"), null=True, blank=True)
    respiratory_rate = models.PositiveSmallIntegerField(_("respiratory rate (/min)"), null=True, blank=True)
    spo2 = models.PositiveSmallIntegerField(_("SpO₂ (%)"), null=True, blank=True)
    weight_kg = models.DecimalField(_("weight (kg)"), max_digits=5, decimal_places=2, null=True, blank=True)
    height_cm = models.DecimalField(_("height or length (cm)"), max_digits=5, decimal_places=1, null=True, blank=True)
    current_medicines = models.TextField(_("current medicines"), blank=True)
    allergies = models.TextField(_("allergies"), blank=True)
    tried_so_far = models.TextField(_("what has been tried"), blank=True)
    # Set when the consultation was started from a handbook triage: the answers, the
    # classification, the thresholds that fired and the handbook version.
    handbook_context = models.JSONField(_("from the handbook"), null=True, blank=True)

    # The remote-service consent it was sent under (issue 15): set on submission.
    service_consent = models.ForeignKey(
        ServiceConsent,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consultations",
        verbose_name=_("remote-service consent"),
    )

    # The clock
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    due_at = models.DateTimeField(_("answer due"), null=True, blank=True)
    paused_since = models.DateTimeField(_("paused since"), null=True, blank=True)
    paused_total = models.DurationField(_("time paused"), default=timedelta)
    overdue_at = models.DateTimeField(_("marked overdue at"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)

    # The specialist
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_consultations",
        verbose_name=_("specialist"),
    )
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)

    # The answer
    assessment = models.TextField(_("assessment"), blank=True)
    recommendation = models.CharField(_("recommendation"), max_length=30, choices=Recommendation.choices, blank=True)
    plan = models.TextField(_("plan"), blank=True)
    family_advice = models.TextField(_("advice for the family"), blank=True)
    follow_up_days = models.PositiveSmallIntegerField(_("follow up in (days)"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    # Declined
    decline_reason = models.CharField(_("reason"), max_length=30, choices=DeclineReason.choices, blank=True)
    decline_comment = models.TextField(_("comment"), blank=True)

    # Closing feedback: in China the decision and its responsibility stay with the
    # requesting doctor, so the record shows what was done with the advice.
    advice_adopted = models.CharField(_("advice adopted"), max_length=10, choices=Adoption.choices, blank=True)
    not_adopted_reason = models.TextField(_("why not (fully) adopted"), blank=True)
    referral_avoided = models.BooleanField(_("referral avoided"), null=True, blank=True)
    usefulness = models.PositiveSmallIntegerField(_("usefulness (1-5)"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # A remote consultation's case and opinion are kept as outpatient records.
    retention_class = retention_class_field(RetentionClass.OUTPATIENT)
    keep_until = keep_until_field()

    objects = ConsultationQuerySet.as_manager()

    class Meta:
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["department", "status", "due_at"], name="consult_queue"),
            models.Index(fields=["requesting_hospital", "-created_at"], name="consult_hospital_recent"),
            models.Index(fields=["status", "due_at"], name="consult_status_due"),
            models.Index(fields=["assigned_to", "status"], name="consult_assigned"),
            # The requesting doctor's home page counts her cases by status (issue 17).
            models.Index(fields=["requested_by", "status", "requesting_hospital"], name="consult_requester_status"),
            models.Index(fields=["patient", "-created_at"], name="consult_patient"),
            # Today's live roll-up row of the metrics and outcomes pages reads the day's cases
            # by submission time; without it, a scan of every case (issue 17: ~100 ms).
            models.Index(fields=["submitted_at"], name="consult_submitted"),
        ]
        triggers = retention_triggers("consultation", "created_at", "OLD.patient_id")
        constraints = [
            models.CheckConstraint(
                condition=Q(usefulness__isnull=True) | Q(usefulness__gte=1, usefulness__lte=5),
                name="consult_usefulness_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.patient.name} → {self.department}"

    def get_absolute_url(self) -> str:
        return record_path("consultations:detail", self.public_id)

    def get_claim_url(self) -> str:
        return record_path("consultations:claim", self.public_id)

    def referral_sent_by(self, user: User):
        """The referral the requesting hospital made from this answer, if any (the newest):
        the case page links to it instead of offering to refer the child again. The
        referrals app holds the foreign key (`Referral.consultation`); only the sending
        hospital's own referrals are looked at, which is what `Referral.visible_to` shows it."""
        return (
            self.referrals.filter(sending_hospital_id=user.hospital_id)
            .select_related("receiving_hospital")
            .order_by("-created_at", "-pk")
            .first()
        )

    @property
    def question_first_line(self) -> str:
        """The clinical question's first non-empty line: what a queue row shows of it."""
        return next((line.strip() for line in self.question.splitlines() if line.strip()), "")

    # --- Clock ---------------------------------------------------------------------------

    @property
    def is_paused(self) -> bool:
        return self.paused_since is not None

    def paused_duration(self, now=None) -> timedelta:
        """Total time paused, including a pause still running."""
        running = (now or timezone.now()) - self.paused_since if self.paused_since else timedelta()
        return self.paused_total + running

    def time_left(self, now=None) -> timedelta | None:
        if self.due_at is None or self.status not in OPEN_STATUSES:
            return None
        now = now or timezone.now()
        # While paused, the clock is frozen at the moment the pause began.
        reference = self.paused_since or now
        return self.due_at - reference

    def is_overdue(self, now=None) -> bool:
        left = self.time_left(now)
        return left is not None and left < timedelta()

    def clock_state(self, now=None) -> str:
        """What the response clock shows: "paused", "overdue", "running", or "" (no clock:
        not due or no longer open). One call for the template instead of three."""
        left = self.time_left(now)
        if left is None:
            return ""
        if self.is_paused:
            return "paused"
        return "overdue" if left < timedelta() else "running"

    def response_time(self) -> timedelta | None:
        """Submission to answer, pauses excluded."""
        if self.submitted_at is None or self.answered_at is None:
            return None
        return self.answered_at - self.submitted_at - self.paused_total

    def answered_within_target(self) -> bool | None:
        response = self.response_time()
        if response is None:
            return None
        return response <= timedelta(hours=ResponseTarget.hours_for(self.department.specialty, self.urgency))

    # --- Who may do what -----------------------------------------------------------------

    @property
    def consent_in_force(self) -> bool:
        """Its remote-service consent is not withdrawn. submit() refuses a case without one;
        a case sent before consents were recorded (no row) is not stopped retroactively."""
        return self.service_consent_id is None or self.service_consent.withdrawn_at is None

    def _is_requesting_doctor(self, user: User) -> bool:
        return user.is_authenticated and user.hospital_id == self.requesting_hospital_id and user.is_doctor

    def _is_department_specialist(self, user: User) -> bool:
        return user.is_authenticated and user.has_role(Role.SPECIALIST) and user.department_id == self.department_id

    def can_edit_draft(self, user: User) -> bool:
        return self.status == Status.DRAFT and self._is_requesting_doctor(user)

    def can_claim(self, user: User) -> bool:
        """Accept the invitation: a verified specialist of the department asked (a case that
        names a title is refused in claim(), with the reason, to one below it)."""
        return self._waiting_for(user) and user.is_verified_specialist

    def _waiting_for(self, user: User) -> bool:
        return self.status == Status.SUBMITTED and self._is_department_specialist(user)

    def can_act_as_specialist(self, user: User) -> bool:
        return self.status == Status.CLAIMED and self.assigned_to_id == user.pk

    def can_assign(self, user: User) -> bool:
        """Any specialist of the department may hand a waiting case to a colleague of it."""
        return self._waiting_for(user)

    def can_redirect(self, user: User) -> bool:
        return self.can_act_as_specialist(user) or self._waiting_for(user)

    def can_decline(self, user: User) -> bool:
        return self.can_act_as_specialist(user) or self._waiting_for(user)

    def is_specialist_side(self, user: User) -> bool:
        """Works on this case as a specialist (the department asked, or the one assigned),
        whatever its state: who gets an explanation rather than a 403 when the case moved on."""
        return self._is_department_specialist(user) or (user.is_authenticated and self.assigned_to_id == user.pk)

    def can_provide_info(self, user: User) -> bool:
        return self.status == Status.INFO_REQUESTED and self._is_requesting_doctor(user)

    def can_close(self, user: User) -> bool:
        return self.status == Status.ANSWERED and self._is_requesting_doctor(user)

    def can_withdraw(self, user: User) -> bool:
        return self.status in (Status.DRAFT, Status.SUBMITTED) and self._is_requesting_doctor(user)

    def can_post_message(self, user: User) -> bool:
        if self.status in (Status.DRAFT, Status.CLOSED, Status.WITHDRAWN):
            return False
        return self._is_requesting_doctor(user) or self.assigned_to_id == user.pk

    def can_schedule_conference(self, user: User) -> bool:
        return (
            self.status in (Status.CLAIMED, Status.INFO_REQUESTED, Status.ANSWERED) and self.assigned_to_id == user.pk
        )

    @staticmethod
    def can_start(user: User, patient: Patient) -> bool:
        """Doctors ask about their own hospital's children: a record seen through a
        care-team grant belongs to another hospital, whose doctors decide what to ask."""
        return (
            user.is_authenticated
            and user.is_doctor
            and user.hospital_id is not None
            and patient.hospital_id == user.hospital_id
        )

    @property
    def suggests_referral(self) -> bool:
        return self.recommendation in REFERRAL_RECOMMENDATIONS

    def vital_signs(self) -> list:
        """The measured vital signs, each with what is abnormal about it for the child's age
        on the day the case was sent (or today for a draft)."""
        on = timezone.localdate(self.submitted_at) if self.submitted_at else timezone.localdate()
        return readings({field: getattr(self, field) for field in VITAL_FIELDS}, self.patient.date_of_birth, on)

    # --- Transitions ---------------------------------------------------------------------
    # Each public method locks the row, re-checks the state under the lock, changes it,
    # writes the event and queues notifications after commit. Two people acting at once:
    # the second waits for the lock, then finds the state changed and is refused.

    def _locked(self) -> Consultation:
        return type(self).objects.select_for_update().select_related("department", "patient").get(pk=self.pk)

    def _record(self, actor: User | None, kind: str, from_status: str, note: str = "") -> ConsultationEvent:
        return ConsultationEvent.objects.create(
            consultation=self, actor=actor, kind=kind, from_status=from_status, to_status=self.status, note=note
        )

    def _notify(self, recipients, kind: str, actor: User | None, **context) -> None:
        people = [person for person in recipients if person is not None and person.pk != getattr(actor, "pk", None)]
        if people:
            # The child's age and the recommendation are rendered from the case when shown.
            notify(people, kind, self, actor=actor, context=context)

    def _requesting_doctors(self):
        return [self.requested_by]

    def _department_specialists(self):
        return list(User.objects.with_role(Role.SPECIALIST).filter(department=self.department))

    def _attach(
        self, user: User, uploads: Iterable, kind: str, *, source: models.Model | None = None, description: str = ""
    ) -> None:
        # Last in each transition's transaction: a refusal before it stores no file.
        Attachment.objects.create_from_uploads(
            uploads, patient=self.patient, uploaded_by=user, kind=kind, description=description, source=source or self
        )

    @transition(field=status, source=Status.DRAFT, target=Status.SUBMITTED)
    def _to_submitted(self) -> None:
        pass

    def submit(self, user: User, *, attachments: Iterable = (), file_kind: str = Attachment.Kind.OTHER) -> None:
        """Send the draft to the department's queue, with the files of the form that sent it."""
        with transaction.atomic():
            locked = self._locked()
            if not locked.can_edit_draft(user):
                raise ConsultationError(_("This consultation can no longer be submitted."))
            if not locked.question.strip():
                raise ConsultationError(_("Write the clinical question before submitting."))
            if not locked.patient.has_sharing_consent():
                raise ConsultationError(
                    _("Record the guardian's consent to share the record before asking a specialist.")
                )
            consent = locked.patient.active_service_consent()
            if consent is None:
                raise ConsultationError(
                    _("Record the guardian's consent to the remote consultation before sending the case.")
                )
            now = timezone.now()
            locked.service_consent = consent
            locked._to_submitted()
            locked.submitted_at = now
            locked.due_at = now + timedelta(hours=ResponseTarget.hours_for(locked.department.specialty, locked.urgency))
            locked.save()
            locked._record(user, "submitted", Status.DRAFT)
            # The weight and height typed for the specialist are the child's measurements too.
            locked.patient.record_measurement(
                recorded_by=user,
                measured_on=timezone.localdate(now),
                weight_kg=locked.weight_kg,
                height_cm=locked.height_cm,
            )
            locked._notify(locked._department_specialists(), "consultations.submitted", user)
            locked._attach(user, attachments, file_kind)
        self.refresh_from_db()

    @transition(field=status, source=Status.SUBMITTED, target=Status.CLAIMED)
    def _to_claimed(self) -> None:
        pass

    def claim(self, user: User, *, assigned_by: User | None = None) -> None:
        """A specialist takes the case (or a coordinator assigns it to them)."""
        actor = assigned_by or user
        with transaction.atomic():
            locked = self._locked()
            if locked.status != Status.SUBMITTED:
                raise ConsultationError(_("Another specialist has already taken this case."))
            if not locked._is_department_specialist(user):
                raise ConsultationError(_("Only a specialist of the department asked can take this case."))
            if not locked.consent_in_force:
                raise ConsultationError(_("The guardian has withdrawn consent to the remote consultation."))
            if not user.is_verified_specialist:
                raise ConsultationError(
                    _("Only a specialist whose licence and title a group administrator has verified can take a case.")
                )
            if locked.invited_title and not user.holds_title(locked.invited_title):
                raise ConsultationError(
                    _("This invitation is for a %(title)s or above.")
                    % {"title": TitleGrade(locked.invited_title).label}
                )
            if assigned_by is not None and not locked._is_department_specialist(assigned_by):
                raise ConsultationError(_("Only a specialist of the department can assign its cases."))
            locked._to_claimed()
            locked.assigned_to = user
            locked.claimed_at = timezone.now()
            locked.save()
            locked.patient.grant(
                user=user, reason=_("Answering a remote consultation"), source=locked, granted_by=actor
            )
            kind = "assigned" if assigned_by is not None else "claimed"
            locked._record(actor, kind, Status.SUBMITTED, note=user.display_name if assigned_by else "")
            locked._notify(
                [*locked._requesting_doctors(), user], "consultations.claimed", actor, specialist=user.display_name
            )
        self.refresh_from_db()

    @transition(field=status, source=Status.CLAIMED, target=Status.INFO_REQUESTED)
    def _to_info_requested(self) -> None:
        pass

    def request_info(self, user: User, question: str) -> None:
        with transaction.atomic():
            locked = self._locked()
            if not locked.can_act_as_specialist(user):
                raise ConsultationError(_("Only the specialist handling this case can ask for information."))
            locked._to_info_requested()
            locked.paused_since = timezone.now()
            locked.save()
            locked._record(user, "info_requested", Status.CLAIMED, note=question)
            Message.objects.create(consultation=locked, author=user, body=question, is_info_request=True)
            locked._notify(locked._requesting_doctors(), "consultations.info_requested", user, question=question)
        self.refresh_from_db()

    @transition(field=status, source=Status.INFO_REQUESTED, target=Status.CLAIMED)
    def _to_claimed_again(self) -> None:
        pass

    def provide_info(
        self, user: User, answer: str, *, attachments: Iterable = (), file_kind: str = Attachment.Kind.OTHER
    ) -> None:
        """The requesting doctor's answer goes into the thread, with its files; the clock runs again."""
        with transaction.atomic():
            locked = self._locked()
            if not locked.can_provide_info(user):
                raise ConsultationError(_("No information is being waited for."))
            now = timezone.now()
            pause = now - locked.paused_since
            locked._to_claimed_again()
            # The response clock resumes where it stopped: the due time moves by the pause.
            locked.paused_total += pause
            locked.due_at += pause
            locked.paused_since = None
            locked.save()
            locked._record(user, "info_provided", Status.INFO_REQUESTED, note=answer)
            message = Message.objects.create(consultation=locked, author=user, body=answer)
            locked._notify([locked.assigned_to], "consultations.info_provided", user)
            locked._attach(user, attachments, file_kind, source=message)
        self.refresh_from_db()

    @transition(field=status, source=[Status.SUBMITTED, Status.CLAIMED], target=Status.SUBMITTED)
    def _to_resubmitted(self) -> None:
        pass

    def redirect(self, user: User, department: Department, reason: str) -> None:
        """Send the case to another Xinhua specialty; its clock restarts with that specialty's target."""
        with transaction.atomic():
            locked = self._locked()
            if not locked.can_redirect(user):
                raise ConsultationError(_("Only the department's specialists can redirect this case."))
            if not reason.strip():
                raise ConsultationError(_("Say why the case goes to another specialty."))
            if department.pk == locked.department_id or not department.hospital.is_lead:
                raise ConsultationError(_("Choose another specialty of the lead hospital."))
            from_status = locked.status
            old = str(locked.department)
            locked._to_resubmitted()
            now = timezone.now()
            locked.department = department
            locked.assigned_to = None
            locked.claimed_at = None
            locked.submitted_at = locked.submitted_at or now
            locked.due_at = now + timedelta(hours=ResponseTarget.hours_for(department.specialty, locked.urgency))
            locked.overdue_at = None
            locked.escalated_at = None
            locked.save()
            locked._record(user, "redirected", from_status, note=f"{old} → {department}: {reason}")
            locked._notify(
                locked._requesting_doctors() + locked._department_specialists(),
                "consultations.redirected",
                user,
                reason=reason,
            )
        self.refresh_from_db()

    @transition(field=status, source=[Status.SUBMITTED, Status.CLAIMED], target=Status.DECLINED)
    def _to_declined(self) -> None:
        pass

    def decline(self, user: User, reason: str, comment: str = "") -> None:
        with transaction.atomic():
            locked = self._locked()
            if not locked.can_decline(user):
                raise ConsultationError(_("Only the department's specialists can decline this case."))
            if reason not in DeclineReason.values:
                raise ConsultationError(_("Choose a reason."))
            if reason == DeclineReason.OTHER and not comment.strip():
                raise ConsultationError(_("Say why the invitation is declined."))
            from_status = locked.status
            locked._to_declined()
            locked.decline_reason = reason
            locked.decline_comment = comment
            locked.save()
            locked._record(user, "declined", from_status, note=comment)
            locked._notify(
                locked._requesting_doctors(),
                "consultations.declined",
                user,
                **in_both_languages("reason", DeclineReason(reason).label),
            )
        self.refresh_from_db()

    @transition(field=status, source=Status.CLAIMED, target=Status.ANSWERED)
    def _to_answered(self) -> None:
        pass

    def answer(
        self,
        user: User,
        *,
        assessment: str,
        recommendation: str,
        plan: str,
        family_advice: str,
        follow_up_days: int | None,
        attachments: Iterable = (),
        file_kind: str = Attachment.Kind.OTHER,
    ) -> None:
        """The specialist's answer, with files for the requesting doctor: kept together or not
        at all, and the requesting doctor is told once both are committed."""
        with transaction.atomic():
            locked = self._locked()
            if not locked.can_act_as_specialist(user):
                raise ConsultationError(_("Only the specialist handling this case can answer it."))
            if recommendation not in Recommendation.values:
                raise ConsultationError(_("Choose a recommendation."))
            if not user.is_verified_specialist:
                raise ConsultationError(
                    _(
                        "Only a specialist whose licence and title a group administrator has verified"
                        " can sign an opinion."
                    )
                )
            locked._to_answered()
            locked.assessment = assessment
            locked.recommendation = recommendation
            locked.plan = plan
            locked.family_advice = family_advice
            locked.follow_up_days = follow_up_days
            locked.answered_at = timezone.now()
            locked.save()
            # The answer is the signed opinion report (issue 15): signed as it is saved.
            OpinionSignature.sign(locked, user)
            locked._record(user, "answered", Status.CLAIMED)
            locked._notify(
                locked._requesting_doctors(),
                "consultations.answered",
                user,
            )
            locked._attach(user, attachments, file_kind, description=gettext("Attached to the specialist's answer"))
        self.refresh_from_db()

    @transition(field=status, source=Status.ANSWERED, target=Status.CLOSED)
    def _to_closed(self) -> None:
        pass

    def close(
        self, user: User, *, advice_adopted: str, not_adopted_reason: str, referral_avoided: bool, usefulness: int
    ) -> None:
        with transaction.atomic():
            locked = self._locked()
            if not locked.can_close(user):
                raise ConsultationError(_("Only the requesting hospital's doctors can close an answered case."))
            if advice_adopted != Adoption.FULLY and not not_adopted_reason.strip():
                raise ConsultationError(_("Say why the advice was not fully adopted."))
            if not 1 <= usefulness <= 5:
                raise ConsultationError(_("Rate the usefulness from 1 to 5."))
            locked._to_closed()
            locked.advice_adopted = advice_adopted
            locked.not_adopted_reason = not_adopted_reason
            locked.referral_avoided = referral_avoided
            locked.usefulness = usefulness
            locked.closed_at = timezone.now()
            locked.save()
            locked._record(user, "closed", Status.ANSWERED)
            locked._notify([locked.assigned_to], "consultations.closed", user, usefulness=usefulness)
        self.refresh_from_db()

    @transition(field=status, source=[Status.DRAFT, Status.SUBMITTED], target=Status.WITHDRAWN)
    def _to_withdrawn(self) -> None:
        pass

    def withdraw(self, user: User, reason: str = "") -> None:
        """The requesting doctor takes back a draft or a case no specialist has taken yet."""
        with transaction.atomic():
            locked = self._locked()
            if not locked.can_withdraw(user):
                raise ConsultationError(_("A case already with a specialist cannot be withdrawn."))
            from_status = locked.status
            locked._to_withdrawn()
            locked.save()
            locked._record(user, "withdrawn", from_status, note=reason)
            if from_status == Status.SUBMITTED:
                locked._notify(locked._department_specialists(), "consultations.withdrawn", user)
        self.refresh_from_db()

    # --- The requesting doctor's draft and the thread -------------------------------------

    # What the requesting doctor writes while the case is a draft.
    DRAFT_FIELDS = (
        "department",
        "invited_title",
        "urgency",
        "question",
        "history",
        "symptoms",
        "symptom_duration",
        "temperature_c",
        "heart_rate",
        "respiratory_rate",
        "spo2",
        "weight_kg",
        "height_cm",
        "current_medicines",
        "allergies",
        "tried_so_far",
    )

    def save_draft(self, user: User, *, attachments: Iterable = (), file_kind: str = Attachment.Kind.OTHER) -> None:
        """Store a new draft, or the requesting doctor's edits to one, with the form's files.

        Only DRAFT_FIELDS are written to an existing row, after re-checking the state under
        the row lock: a second tab or a double click must neither edit a case already with a
        specialist nor put its status back to draft.
        """
        with transaction.atomic():
            if self._state.adding:
                if self.status != Status.DRAFT or not self.can_start(user, self.patient):
                    raise ConsultationError(_("You can ask about the children of your own hospital only."))
                self.requesting_hospital_id = user.hospital_id
                self.requested_by = user
                self.save()
            else:
                locked = self._locked()
                if not locked.can_edit_draft(user):
                    raise ConsultationError(_("This consultation has already been sent and can no longer be changed."))
                self.save(update_fields=self.DRAFT_FIELDS)
            self._attach(user, attachments, file_kind)

    def post_message(
        self,
        user: User,
        body: str,
        *,
        public_id: uuid.UUID | None = None,
        attachments: Iterable = (),
        file_kind: str = Attachment.Kind.OTHER,
    ) -> tuple[Message, bool]:
        """Write in the case's thread, with files; the other side is told. Returns (message,
        created).

        `public_id` comes from the form: posting the same form twice (a double click, a
        retried request) returns the message already written, and stores its files once.
        """
        body = body.strip()
        with transaction.atomic():
            locked = self._locked()
            if public_id is not None:
                existing = Message.objects.filter(public_id=public_id).first()
                if existing is not None:
                    if existing.consultation_id == locked.pk and existing.author_id == user.pk:
                        return existing, False
                    public_id = None  # not this form's message: write a new one
            if not locked.can_post_message(user):
                raise ConsultationError(_("You cannot write in this consultation's thread."))
            if not body:
                raise ConsultationError(_("Write a message."))
            message = Message.objects.create(
                consultation=locked, author=user, body=body, **({"public_id": public_id} if public_id else {})
            )
            other_side = [locked.assigned_to] if locked._is_requesting_doctor(user) else locked._requesting_doctors()
            locked._notify(other_side, "consultations.message", user)
            locked._attach(user, attachments, file_kind, source=message)
        return message, True

    # --- Escalation (periodic job) -------------------------------------------------------

    def mark_overdue(self, now=None) -> bool:
        """First step: the department's specialists are told. Returns whether it acted."""
        now = now or timezone.now()
        with transaction.atomic():
            locked = self._locked()
            if locked.overdue_at is not None or locked.status not in CLOCK_RUNNING_STATUSES or locked.due_at >= now:
                return False
            locked.overdue_at = now
            locked.save(update_fields=["overdue_at"])
            locked._record(None, "overdue", locked.status)
            notify(
                locked._department_specialists(),
                "consultations.overdue",
                locked,
            )
        return True

    def escalate(self, now=None) -> bool:
        """Second step, a configurable delay after overdue: the group administrators are told."""
        now = now or timezone.now()
        delay = timedelta(hours=settings.CONSULTATION_ESCALATION_DELAY_HOURS)
        with transaction.atomic():
            locked = self._locked()
            if (
                locked.escalated_at is not None
                or locked.overdue_at is None
                or locked.status not in CLOCK_RUNNING_STATUSES
                or locked.overdue_at + delay > now
            ):
                return False
            locked.escalated_at = now
            locked.save(update_fields=["escalated_at"])
            locked._record(None, "escalated", locked.status)
            admins = User.objects.with_role(Role.GROUP_ADMIN)
            # Administrators do not open cases: the link leads to the department's queue.
            queue_url = f"{reverse('consultations:queue')}?department={locked.department_id}"
            notify(
                list(admins),
                "consultations.escalated",
                locked,
                url=queue_url,
            )
        return True

    # --- The report PDF ---------------------------------------------------------------------

    def report_state(self, report: ConsultationReport | None, now: datetime | None = None) -> ReportState:
        """Where the case's report stands: what the report panel shows and offers."""
        if self.status not in REPORTABLE_STATUSES:
            return ReportState.UNAVAILABLE
        if report is None:
            return ReportState.NOT_REQUESTED
        if report.is_ready and report.status_at_generation == self.status:
            return ReportState.READY
        if report.generated_at is None or report.requested_at > report.generated_at:
            now = now or timezone.now()
            return ReportState.STALLED if now - report.requested_at > REPORT_STALLED_AFTER else ReportState.PENDING
        return ReportState.OUTDATED

    def request_report(self) -> ConsultationReport:
        """Ask for the report of the case as it is now; the PDF task runs after commit.

        Anyone who sees the case may ask. Asking again while it is being made, or when it
        is current, changes nothing (a double click queues one task).
        """
        with transaction.atomic():
            locked = self._locked()
            if locked.status not in REPORTABLE_STATUSES:
                raise ConsultationError(_("A report can be prepared once the consultation is answered."))
            report, created = ConsultationReport.objects.select_for_update().get_or_create(consultation=locked)
            if not created:
                if locked.report_state(report) in (ReportState.READY, ReportState.PENDING):
                    return report
                report.requested_at = timezone.now()
                report.save(update_fields=["requested_at"])
            report.queue_pdf()
        return report


class OpinionSignature(models.Model):
    """The specialist's electronic signature of the opinion (issue 15 point 3): who (name,
    title, licence number, hospital as they were at signing), when, and the SHA-256 of the
    opinion's content. The PDF shows it; `is_intact()` recomputes the hash from the case as
    it is now, so any later change to what was signed is evident."""

    consultation = models.OneToOneField(Consultation, on_delete=models.PROTECT, related_name="signature")
    signer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signer_name = models.CharField(_("signed by"), max_length=150)
    signer_title = models.CharField(_("title"), max_length=60)
    signer_licence_number = models.CharField(_("practitioner licence number"), max_length=40)
    signer_hospital = models.CharField(_("hospital"), max_length=120)
    signed_at = models.DateTimeField(_("signed at"), default=timezone.now)
    content_sha256 = models.CharField(_("SHA-256 of the opinion"), max_length=64)

    class Meta:
        verbose_name = _("opinion signature")
        verbose_name_plural = _("opinion signatures")

    def __str__(self) -> str:
        return f"{self.signer_name} {self.signed_at:%Y-%m-%d %H:%M} {self.content_sha256[:12]}"

    @staticmethod
    def content_of(consultation: Consultation, *, signer_licence_number: str, signed_at: datetime) -> bytes:
        """What is signed, canonically: the case's identity, the question asked, the opinion
        and who signs it. Sorted keys, no whitespace, UTF-8: the same case gives the same bytes."""
        content = {
            "consultation": str(consultation.public_id),
            "patient": str(consultation.patient.public_id),
            "requested_by": consultation.requested_by_id,
            "question": consultation.question,
            "assessment": consultation.assessment,
            "recommendation": consultation.recommendation,
            "plan": consultation.plan,
            "family_advice": consultation.family_advice,
            "follow_up_days": consultation.follow_up_days,
            "answered_at": consultation.answered_at.isoformat() if consultation.answered_at else None,
            "specialist": consultation.assigned_to_id,
            "licence_number": signer_licence_number,
            "signed_at": signed_at.isoformat(),
        }
        return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()

    @classmethod
    def sign(cls, consultation: Consultation, signer: User, *, signed_at: datetime | None = None) -> OpinionSignature:
        """Inside the answering transaction: a verified specialist only. (`signed_at` is
        for the demo, whose answers happened hours ago.)"""
        if not signer.is_verified_specialist:
            raise ConsultationError(
                _("Only a specialist whose licence and title a group administrator has verified can sign an opinion.")
            )
        signed_at = signed_at or timezone.now()
        digest = hashlib.sha256(
            cls.content_of(consultation, signer_licence_number=signer.licence_number, signed_at=signed_at)
        ).hexdigest()
        return cls.objects.create(
            consultation=consultation,
            signer=signer,
            signer_name=signer.display_name,
            signer_title=signer.title_display,
            signer_licence_number=signer.licence_number,
            signer_hospital=signer.hospital.name_zh if signer.hospital_id else "",
            signed_at=signed_at,
            content_sha256=digest,
        )

    def current_sha256(self) -> str:
        case = Consultation.objects.select_related("patient").get(pk=self.consultation_id)
        content = self.content_of(case, signer_licence_number=self.signer_licence_number, signed_at=self.signed_at)
        return hashlib.sha256(content).hexdigest()

    def is_intact(self) -> bool:
        return hmac.compare_digest(self.current_sha256(), self.content_sha256)


class ConsultationEvent(models.Model):
    """One step of a consultation: who, when, from which state to which, and a note."""

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    kind = models.CharField(max_length=30)
    from_status = models.CharField(max_length=20, choices=Status.choices)
    to_status = models.CharField(max_length=20, choices=Status.choices)
    note = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("consultation event")
        verbose_name_plural = _("consultation events")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["consultation", "at"], name="consult_event_order")]

    def __str__(self) -> str:
        return f"{self.consultation_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"


@track_clinical()
class Message(models.Model):
    """The thread beside the case, for both sides; files attach through Attachment.source."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("message"))
    is_info_request = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    # The chat beside the case: internet-consultation process records (3 years).
    retention_class = retention_class_field(RetentionClass.INTERNET_CONSULTATION)
    keep_until = keep_until_field()

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "pk"]
        triggers = retention_triggers("consultation_message", "created_at", None)

    def __str__(self) -> str:
        return f"{self.author} {self.created_at:%Y-%m-%d %H:%M}"


def _room_name() -> str:
    # Unguessable: the room name is the only thing between a stranger and the call.
    return f"cloudpeds-{secrets.token_urlsafe(18)}"


class CaseConferenceQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> CaseConferenceQuerySet:
        """The conferences of the consultations the user may see: the one access rule."""
        return self.filter(consultation__in=Consultation.objects.visible_to(user))

    def upcoming_for(self, user: User, now=None) -> CaseConferenceQuerySet:
        """The user's scheduled conferences (invited or organising) not over yet, soonest first."""
        now = now or timezone.now()
        invited = CaseConference.participants.through.objects.filter(user=user).values("caseconference_id")
        ends = models.ExpressionWrapper(
            models.F("scheduled_for") + models.F("duration_minutes") * timedelta(minutes=1),
            output_field=models.DateTimeField(),
        )
        return (
            self.visible_to(user)
            .filter(Q(pk__in=invited) | Q(organiser=user), state=CaseConference.State.SCHEDULED)
            .alias(ends=ends)
            .filter(ends__gt=now)
            .order_by("scheduled_for", "pk")
        )


class CaseConference(models.Model):
    """A live video case conference about a consultation.

    The assigned specialist schedules it with doctors of the requesting hospital and
    colleagues of the department, and records a short summary afterwards (it is then held).
    Both steps appear on the case's timeline as events.
    """

    class State(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        HELD = "held", _("Held")
        CANCELLED = "cancelled", _("Cancelled")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="conferences")
    scheduled_for = models.DateTimeField(_("time"))
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"), default=30)
    room = models.CharField(max_length=80, unique=True, default=_room_name, editable=False)
    participants = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="case_conferences")
    organiser = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.SCHEDULED)
    summary = models.TextField(_("summary"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = CaseConferenceQuerySet.as_manager()

    MIN_MINUTES, MAX_MINUTES = 10, 180

    class Meta:
        verbose_name = _("case conference")
        verbose_name_plural = _("case conferences")
        ordering = ["scheduled_for"]

    def __str__(self) -> str:
        return f"{self.consultation} {self.scheduled_for:%Y-%m-%d %H:%M}"

    @property
    def join_url(self) -> str:
        return f"{settings.VIDEO_CONFERENCE_BASE_URL.rstrip('/')}/{self.room}"

    @property
    def ends_at(self):
        return self.scheduled_for + timedelta(minutes=self.duration_minutes)

    def has_started(self, now=None) -> bool:
        return self.scheduled_for <= (now or timezone.now())

    def can_record_summary(self, user: User, now=None) -> bool:
        """The organiser, once the conference has begun (a summary of a meeting not yet held
        would be a plan, not a record); it can be corrected later."""
        return (
            user.is_authenticated
            and user.pk == self.organiser_id
            and self.state != self.State.CANCELLED
            and self.has_started(now)
        )

    @staticmethod
    def candidates(consultation: Consultation, organiser: User | None = None):
        """Who may be invited: the requesting hospital's doctors and the specialists of the
        department asked (the organiser's colleagues), active, the organiser excepted."""
        requesting = User.objects.with_role(*DOCTOR_ROLES).filter(hospital_id=consultation.requesting_hospital_id)
        colleagues = User.objects.with_role(Role.SPECIALIST).filter(department_id=consultation.department_id)
        people = (requesting | colleagues).select_related("hospital", "department")
        if organiser is not None:
            people = people.exclude(pk=organiser.pk)
        return people.order_by("hospital__level", "hospital__code", "last_name", "first_name", "pk")

    @classmethod
    def schedule(
        cls, consultation: Consultation, organiser: User, *, scheduled_for, duration_minutes: int, participants
    ) -> CaseConference:
        """Schedule a conference, write the case event and tell the participants."""
        with transaction.atomic():
            locked = consultation._locked()
            if not locked.can_schedule_conference(organiser):
                raise ConsultationError(_("Only the specialist handling this case can schedule a case conference."))
            if scheduled_for <= timezone.now():
                raise ConsultationError(_("Choose a time in the future."))
            if not cls.MIN_MINUTES <= duration_minutes <= cls.MAX_MINUTES:
                raise ConsultationError(_("Choose a duration between 10 and 180 minutes."))
            people = {person.pk: person for person in participants if person.pk != organiser.pk}
            if not people:
                raise ConsultationError(_("Invite at least one participant."))
            allowed = set(cls.candidates(locked, organiser).filter(pk__in=people).values_list("pk", flat=True))
            if set(people) - allowed:
                raise ConsultationError(
                    _("Invite doctors of the requesting hospital and specialists of the department only.")
                )
            conference = cls.objects.create(
                consultation=locked,
                organiser=organiser,
                scheduled_for=scheduled_for,
                duration_minutes=duration_minutes,
            )
            conference.participants.set(people.values())
            when = timezone.localtime(scheduled_for).strftime("%Y-%m-%d %H:%M")
            locked._record(organiser, "conference_scheduled", locked.status, note=when)
            # The email names no child and carries no join link (the room name is the only
            # key to the call): the link is on the case page, behind sign-in.
            locked._notify(
                list(people.values()),
                "consultations.conference_scheduled",
                organiser,
                scheduled_for=when,
                duration_minutes=duration_minutes,
            )
        return conference

    def record_summary(self, user: User, summary: str) -> None:
        """The organiser's short record of the conference; it is then held."""
        summary = summary.strip()
        with transaction.atomic():
            locked = type(self).objects.select_for_update().select_related("consultation").get(pk=self.pk)
            if not locked.can_record_summary(user):
                raise ConsultationError(_("Only the organiser can record the summary, once the conference has begun."))
            if not summary:
                raise ConsultationError(_("Write the summary."))
            locked.summary = summary
            locked.state = self.State.HELD
            locked.save(update_fields=["summary", "state"])
            consultation = locked.consultation
            consultation._record(user, "conference_summary", consultation.status, note=summary)
        self.summary, self.state = locked.summary, locked.state


# A report can be asked for once the case is answered (and again once it is closed).
REPORTABLE_STATUSES = (Status.ANSWERED, Status.CLOSED)
# A request not done after this long probably lost its task (a broker outage); the panel
# then lets people ask again instead of polling forever.
REPORT_STALLED_AFTER = timedelta(minutes=10)


class ReportState(StrEnum):
    UNAVAILABLE = "unavailable"  # the case is not answered yet
    NOT_REQUESTED = "not_requested"
    PENDING = "pending"
    STALLED = "stalled"
    READY = "ready"
    OUTDATED = "outdated"  # made for an earlier status of the case


class ConsultationReport(GeneratedPdf, models.Model):
    """The consultation report PDF (consultations/reports.py), made by the one PDF task
    (cloudpeds.core.documents); one row per consultation.

    A report describes the case as of one status. When the case moves on (answered →
    closed), the existing report stays downloadable and the panel offers to prepare it again.
    """

    consultation = models.OneToOneField(Consultation, on_delete=models.CASCADE, related_name="report")
    requested_at = models.DateTimeField(default=timezone.now)
    generated_at = models.DateTimeField(null=True, blank=True)
    # The report describes the case as of this status: asking again after the case
    # changes makes a new one.
    status_at_generation = models.CharField(max_length=20, blank=True)
    file = models.FileField(upload_to="reports/consultations/", null=True, blank=True, max_length=200)

    class Meta:
        # Named in the audit's pages in the reader's language ("会诊报告", not "Consultation report").
        verbose_name = _("consultation report")
        verbose_name_plural = _("consultation reports")

    def __str__(self) -> str:
        return f"report {self.consultation_id}"

    @property
    def is_ready(self) -> bool:
        return bool(self.file) and self.generated_at is not None

    def download_name(self) -> str:
        # No child's name in a file name: downloads folders of shared clinic computers are
        # read by everyone who sits there.
        return f"consultation-report-{str(self.consultation.public_id)[:8]}-{self.status_at_generation}.pdf"

    # --- The PDF (cloudpeds.core.documents) ---

    @cached_property
    def _case(self) -> Consultation:
        """The case with everything the document shows, read once per run."""
        return Consultation.objects.select_related(
            "patient",
            "patient__hospital",
            "requesting_hospital",
            "requested_by",
            "department__hospital",
            "assigned_to__department",
            "assigned_to__hospital",
        ).get(pk=self.consultation_id)

    def pdf_is_current(self) -> bool:
        # A case that is not answered has no report to make.
        case = self._case
        return case.status not in REPORTABLE_STATUSES or case.report_state(self) == ReportState.READY

    def pdf_recorded_fields(self) -> dict[str, Any]:
        return {"status_at_generation": self._case.status}

    def pdf_storage_name(self) -> str:
        return (
            f"reports/consultations/{self._case.public_id}/"
            f"report-{self._case.status}-{self.requested_at:%Y%m%dT%H%M%S%f}.pdf"
        )

    def build_pdf(self) -> bytes:
        from cloudpeds.core.pdfsign import sign_pdf

        from . import reports

        pdf = reports.build_report_pdf(self._case, timezone.now())
        signature = OpinionSignature.objects.filter(consultation_id=self.consultation_id).first()
        if signature is None:
            return pdf
        # The hospital's certificate seals the document (PAdES, when configured); the
        # specialist's identity and the opinion's hash are in the signature record it shows.
        return sign_pdf(
            pdf,
            reason=f"Signed opinion SHA-256 {signature.content_sha256}",
            name=f"{signature.signer_name} ({signature.signer_licence_number})",
            location=signature.signer_hospital,
        )


# --- Daily roll-up --------------------------------------------------------------------------------


class ConsultationDay(models.Model):
    """One day × requesting hospital × department × urgency of consultations, by the day they
    were sent (Beijing time). Maintained by consultations/rollups.py (`rebuild`, from the
    periodic task `consultations.tasks.rebuild_recent_rollups` and `manage.py rebuild_rollups`);
    metrics and outcome pages read these rows, never the consultations themselves, except
    for today's partial day, which is computed live with the same query."""

    day = models.DateField()
    requesting_hospital = models.ForeignKey(Hospital, on_delete=models.CASCADE, related_name="+")
    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="+")
    urgency = models.CharField(max_length=10, choices=Urgency.choices)
    submitted = models.PositiveIntegerField(default=0)
    answered = models.PositiveIntegerField(default=0)
    within_target = models.PositiveIntegerField(default=0)
    answered_manage_locally = models.PositiveIntegerField(default=0)
    answered_refer = models.PositiveIntegerField(default=0)
    closed = models.PositiveIntegerField(default=0)
    closed_managed_locally = models.PositiveIntegerField(default=0)
    info_requested = models.PositiveIntegerField(default=0)
    # The requesting doctors' feedback on the closed cases (the metrics page's last columns).
    usefulness_total = models.PositiveIntegerField(default=0)
    usefulness_count = models.PositiveIntegerField(default=0)
    feedback = models.PositiveIntegerField(default=0)
    adopted_fully = models.PositiveIntegerField(default=0)
    adopted_partly = models.PositiveIntegerField(default=0)
    adopted_not = models.PositiveIntegerField(default=0)
    referral_known = models.PositiveIntegerField(default=0)
    referral_avoided = models.PositiveIntegerField(default=0)
    # Response times (seconds, pauses taken out) of the answered cases, so that medians and
    # 90th percentiles over any range stay exact (percentile_cont over the unnested values).
    response_seconds = ArrayField(models.FloatField(), default=list)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "requesting_hospital", "department", "urgency"], name="consultations_day_unique"
            )
        ]
        indexes = [models.Index(fields=["requesting_hospital", "day"], name="consultations_day_hospital")]

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d}"


class AutosaveQuerySet(models.QuerySet):
    def fresh(self) -> AutosaveQuerySet:
        """Autosaves young enough to offer back: older ones are left for the purge."""
        return self.filter(saved_at__gte=timezone.now() - Autosave.KEPT_FOR)

    def of(self, user: User, patient: Patient, consultation: Consultation | None) -> AutosaveQuerySet:
        """One person's autosave of one form: a new case for the child, or one draft."""
        return self.filter(user=user, patient=patient, consultation=consultation)


class Autosave(models.Model):
    """What a doctor has typed into the consultation form, saved as they type (issue 12, no
    work lost): offered back when they open the form again, until they save or send it, or
    discard it. Kept on the server, not in the browser: a phone may be shared or lost, and
    the text belongs to the child's record, seen only by the person who typed it. Files are
    not kept (a browser cannot hand them back); the form says so."""

    KEPT_FOR = timedelta(days=7)
    MAX_CHARACTERS = 50_000

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="+")
    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, null=True, related_name="+")
    data = models.JSONField(default=dict)
    saved_at = models.DateTimeField()

    objects = AutosaveQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "patient"], condition=Q(consultation__isnull=True), name="autosave_one_new_case"
            ),
            models.UniqueConstraint(
                fields=["user", "consultation"], condition=Q(consultation__isnull=False), name="autosave_one_draft"
            ),
        ]

    def __str__(self) -> str:
        return f"autosave {self.user_id} {self.patient_id} {self.consultation_id}"

    @classmethod
    def keep(cls, user: User, patient: Patient, consultation: Consultation | None, data: dict) -> Autosave:
        """Store the form's latest text (one row per person and form, also when two saves race)."""
        now = timezone.now()
        for _attempt in range(2):
            updated = cls.objects.of(user, patient, consultation).update(data=data, saved_at=now)
            if updated:
                return cls.objects.of(user, patient, consultation).get()
            try:
                with transaction.atomic():
                    return cls.objects.create(
                        user=user, patient=patient, consultation=consultation, data=data, saved_at=now
                    )
            except IntegrityError:
                continue  # the other request created it a moment ago: update that one
        raise IntegrityError("autosave could not be stored")
