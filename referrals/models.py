"""Patient transfers between the group's hospitals, both ways.

Two kinds of referral share one model, one status field and one event log:

A transfer (`Kind.TRANSFER`, up to Xinhua or down to a district or community hospital) is
decided by the receiving hospital's transfer administrators and holds a real bed::

    requested ──approve (bed reserved)──▶ approved ──mark_departed──▶ departed ──confirm_arrival──▶ arrived
      │  ▲  │                                │ └──expire (window over)──▶ expired     │                  │
      │  │  └─request_info──▶ info_requested │                                        │            discharge
      │  └────────provide_info──────┘        └──────cancel (either side)──▶ cancelled ◀┘                  ▼
      ├──redirect (another department)──▶ requested                                                discharged
      └──reject (coded reason)──▶ rejected

A follow-up down-referral (`Kind.FOLLOW_UP`) is what an up-referred child takes home when
Xinhua discharges them: a discharge summary and dated follow-up items for the doctor who
sent the child. Creating it discharges the up-referral (the bed is released)::

    sent ──acknowledge──▶ acknowledged ──(last follow-up item done or missed)──▶ completed

Every transition is a model method that checks who may do it, runs in a transaction on the
locked row, writes a ReferralEvent and queues notifications after commit (`notify()`).

Beds: a department's free beds are `bed_count − occupied − active reservations`. Whatever
changes those numbers (approval, arrival, discharge, expiry, cancellation, the census typed
by an administrator) first locks the department's BedState row, so two administrators
approving requests for the last bed at the same moment get one approval and one refusal.
Lock order is always referral row, then bed-state row: no two transactions wait on each
other in opposite orders.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pghistory
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, models, transaction
from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from cloudpeds.accounts.models import Department, Hospital, User
from cloudpeds.accounts.roles import DOCTOR_ROLES, Role
from cloudpeds.attachments.models import Attachment
from cloudpeds.audit.history import track_clinical
from cloudpeds.core.documents import GeneratedPdf
from cloudpeds.core.fsm import ReloadableStatusMixin
from cloudpeds.core.paths import record_path
from cloudpeds.core.retention import RetentionClass, keep_until_field, retention_class_field, retention_triggers
from cloudpeds.notifications.services import in_both_languages, names_of, notify
from cloudpeds.patients.models import CareTeamGrant, ConsentRequired, Patient, ServiceConsent, works_with_patients
from handbook.triage import pick

if TYPE_CHECKING:
    from handbook.models import TriageRun


class ReferralError(Exception):
    """A transition refused for a reason the person can act on; the message is shown.

    `field` names the input the reason is about, where there is one: a form that runs the
    model's check before the transition (`Referral.check_department`...) shows the message
    beside that field, so each rule and its message exist once, here."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class NoBedAvailable(ReferralError):
    """The receiving department has no free bed (counted under the bed-state lock)."""


class AlreadyOpen(ReferralError):
    """The child already has an open referral; `referral` is it."""

    def __init__(self, message: str, referral: Referral | None) -> None:
        super().__init__(message)
        self.referral = referral


# --- Choices ----------------------------------------------------------------------------


class Kind(models.TextChoices):
    TRANSFER = "transfer", _("Transfer")
    FOLLOW_UP = "follow_up", _("Down-referral for follow-up")


class Direction(models.TextChoices):
    UP = "up", _("Up to a higher-level hospital")
    DOWN = "down", _("Down to a district or community hospital")


class Urgency(models.TextChoices):
    EMERGENCY = "emergency", _("Emergency")
    URGENT = "urgent", _("Urgent")
    ROUTINE = "routine", _("Routine")


# The queue: emergencies on top, then urgent, then routine; oldest request first within each.
URGENCY_RANK = {Urgency.EMERGENCY: 0, Urgency.URGENT: 1, Urgency.ROUTINE: 2}
# The arrival window an administrator is offered by default, from the moment of approval.
DEFAULT_ARRIVAL_HOURS = {Urgency.EMERGENCY: 2, Urgency.URGENT: 8, Urgency.ROUTINE: 48}
# A handbook triage result's colour as the urgency of a transfer (red means "refer urgently").
TRIAGE_URGENCY = {"red": Urgency.EMERGENCY, "yellow": Urgency.URGENT, "green": Urgency.ROUTINE}


class Reason(models.TextChoices):
    NEEDS_SPECIALIST = "needs_specialist", _("Needs specialist care not available here")
    NEEDS_INTENSIVE_CARE = "needs_intensive_care", _("Needs intensive care")
    DIAGNOSTIC_WORKUP = "diagnostic_workup", _("Needs tests or imaging not available here")
    NOT_IMPROVING = "not_improving", _("Not improving with treatment")
    CONTINUED_CARE = "continued_care", _("Continued care closer to home")
    REHABILITATION = "rehabilitation", _("Rehabilitation")
    FOLLOW_UP = "follow_up", _("Follow-up after discharge")
    FAMILY_REQUEST = "family_request", _("The family's request")
    OTHER = "other", _("Other")


class Transport(models.TextChoices):
    OWN = "own", _("Own transport")
    AMBULANCE = "ambulance", _("Ambulance")
    AMBULANCE_DOCTOR = "ambulance_doctor", _("Ambulance with a doctor")


class RejectReason(models.TextChoices):
    DUPLICATE = "duplicate", _("Duplicate request")
    INAPPROPRIATE = "inappropriate", _("Transfer not appropriate")
    INCOMPLETE = "incomplete", _("Incomplete information")
    NO_CAPACITY = "no_capacity", _("No capacity")
    OUTSIDE_SERVICE = "outside_service", _("Outside the services we offer")
    OTHER = "other", _("Other")


class Status(models.TextChoices):
    NEW = "new", _("Not sent yet")
    REQUESTED = "requested", _("Waiting for a decision")
    INFO_REQUESTED = "info_requested", _("More information requested")
    APPROVED = "approved", _("Approved, bed reserved")
    DEPARTED = "departed", _("On the way")
    ARRIVED = "arrived", _("Arrived")
    DISCHARGED = "discharged", _("Discharged")
    REJECTED = "rejected", _("Rejected")
    CANCELLED = "cancelled", _("Cancelled")
    EXPIRED = "expired", _("Reservation expired")
    SENT = "sent", _("Waiting for acknowledgement")
    ACKNOWLEDGED = "acknowledged", _("Follow-up under way")
    COMPLETED = "completed", _("Follow-up completed")


# How a status looks as a badge: (Bootstrap classes, icon). Looked up once per row instead
# of a chain of comparisons in the template, which a 50-row queue paid on every row.
STATUS_BADGES = {
    Status.REQUESTED: ("text-bg-primary", "bi-hourglass-split"),
    Status.INFO_REQUESTED: ("text-bg-warning", "bi-question-circle"),
    Status.APPROVED: ("text-bg-success", "bi-calendar-check"),
    Status.DEPARTED: ("text-bg-info", "bi-truck"),
    Status.ARRIVED: ("text-bg-dark", "bi-box-arrow-in-right"),
    Status.SENT: ("text-bg-primary", "bi-arrow-down-circle"),
    Status.ACKNOWLEDGED: ("text-bg-info", "bi-hand-thumbs-up"),
    Status.REJECTED: ("text-bg-danger", "bi-x-circle"),
    Status.EXPIRED: ("text-bg-secondary", "bi-hourglass-bottom"),
}
OTHER_STATUS_BADGE = ("text-bg-light border", "bi-check2-all")


# A child has at most one of these at a time (a partial unique index): a transfer in
# progress, or a stay in the receiving hospital. Follow-up after discharge is not a
# transfer: a child under follow-up can be referred up again.
OPEN_STATUSES = (Status.REQUESTED, Status.INFO_REQUESTED, Status.APPROVED, Status.DEPARTED, Status.ARRIVED)
UNDECIDED_STATUSES = (Status.REQUESTED, Status.INFO_REQUESTED)
# A bed is reserved in these states (an active BedReservation row exists).
RESERVED_STATUSES = (Status.APPROVED, Status.DEPARTED)
FOLLOW_UP_OPEN_STATUSES = (Status.SENT, Status.ACKNOWLEDGED)
# The letter travels with the child: once a bed is promised, or with a down-referral.
LETTER_STATUSES = (
    Status.APPROVED,
    Status.DEPARTED,
    Status.ARRIVED,
    Status.DISCHARGED,
    Status.SENT,
    Status.ACKNOWLEDGED,
    Status.COMPLETED,
)

# --- Who works on which page (the predicates of the views' @requires) -----------------------


def is_transfer_admin(user: User) -> bool:
    """A hospital's transfer administrator: its queue of incoming requests, its beds."""
    return user.is_authenticated and user.hospital_id is not None and user.has_role(Role.TRANSFER_ADMIN)


def can_see_metrics(user: User) -> bool:
    """Group administrators (the whole group) and transfer administrators (their hospital)."""
    return user.is_authenticated and (user.is_superuser or user.has_role(Role.GROUP_ADMIN) or is_transfer_admin(user))


def sees_whole_group(user: User) -> bool:
    return user.is_superuser or user.has_role(Role.GROUP_ADMIN)


_LEVEL_RANK = {Hospital.Level.LEAD: 0, Hospital.Level.DISTRICT: 1, Hospital.Level.COMMUNITY: 2}


def direction_between(sending: Hospital, receiving: Hospital) -> str | None:
    """Up, down, or None for a transfer between hospitals of the same level (not part of
    the group's tiered referral: those go through the hospitals' usual channels)."""
    sending_rank, receiving_rank = _LEVEL_RANK[sending.level], _LEVEL_RANK[receiving.level]
    if receiving_rank < sending_rank:
        return Direction.UP
    if receiving_rank > sending_rank:
        return Direction.DOWN
    return None


# --- Diagnoses -----------------------------------------------------------------------------


class DiagnosisQuerySet(models.QuerySet):
    def search(self, text: str) -> DiagnosisQuerySet:
        """By code ("J18", "j18.9"), Chinese name ("肺炎") or English name ("pneumonia")."""
        text = text.strip()
        if not text:
            return self.none()
        return self.filter(Q(code__istartswith=text) | Q(name_zh__contains=text) | Q(name_en__icontains=text))


class Diagnosis(models.Model):
    """An ICD-10 code with its Chinese and English names (a pediatric subset, loaded by a
    data migration; group administrators may add codes in the admin)."""

    code = models.CharField(_("ICD-10 code"), max_length=10, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=160)

    objects = DiagnosisQuerySet.as_manager()

    class Meta:
        verbose_name = _("diagnosis")
        verbose_name_plural = _("diagnoses")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def name(self) -> str:
        language = get_language() or settings.LANGUAGE_CODE
        return self.name_en if language.startswith("en") else self.name_zh


# --- Beds ---------------------------------------------------------------------------------


# Who changed the census and when (triggers record every change, bulk ones included).
@track_clinical()
class BedState(models.Model):
    """A department's occupied beds (the census, typed by the transfer administrators and
    moved by arrivals and discharges). Its row is the lock that serialises every change to
    the department's free beds."""

    department = models.OneToOneField(
        Department, on_delete=models.CASCADE, related_name="bed_state", verbose_name=_("department")
    )
    occupied = models.PositiveIntegerField(_("occupied beds"), default=0)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("updated by"),
    )

    class Meta:
        verbose_name = _("bed state")
        verbose_name_plural = _("bed states")

    def __str__(self) -> str:
        return f"{self.department}: {self.occupied}/{self.department.bed_count}"

    @classmethod
    def locked_for(cls, department: Department) -> BedState:
        """The department's row, locked until the end of the transaction (created if missing).

        INSERT … ON CONFLICT DO NOTHING first: two transactions creating the first row at
        once must not fail, and both then wait on the same row lock.
        """
        cls.objects.bulk_create([cls(department=department)], ignore_conflicts=True)
        return cls.objects.select_for_update().select_related("department").get(department=department)

    def active_reservations(self) -> int:
        return BedReservation.objects.active().filter(department_id=self.department_id).count()

    def free_beds(self) -> int:
        """Free beds now; only meaningful under the lock (see locked_for)."""
        return self.department.bed_count - self.occupied - self.active_reservations()

    def set_occupied(self, user: User, occupied: int) -> None:
        """The census typed by a transfer administrator of the department's hospital."""
        with transaction.atomic():
            locked = type(self).locked_for(self.department)
            if not can_manage_beds(user, locked.department.hospital_id):
                raise ReferralError(_("Only the hospital's transfer administrators can update its beds."))
            if not 0 <= occupied <= locked.department.bed_count:
                raise ReferralError(
                    _("Occupied beds must be between 0 and %(beds)d.") % {"beds": locked.department.bed_count}
                )
            locked.occupied = occupied
            locked.updated_at = timezone.now()
            locked.updated_by = user
            locked.save(update_fields=["occupied", "updated_at", "updated_by"])
        self.occupied, self.updated_at, self.updated_by = locked.occupied, locked.updated_at, user

    def _change_occupied(self, delta: int) -> None:
        # Never below zero: the administrator's census may have been typed lower meanwhile.
        self.occupied = max(0, self.occupied + delta)
        self.updated_at = timezone.now()
        self.save(update_fields=["occupied", "updated_at"])


def can_manage_beds(user: User, hospital_id: int) -> bool:
    return is_transfer_admin(user) and user.hospital_id == hospital_id


def departments_with_capacity(hospital: Hospital) -> models.QuerySet[Department]:
    """The hospital's departments with `occupied`, `reserved` and `free` beds, in one query."""
    active = BedReservation.objects.active().filter(department=OuterRef("pk")).order_by().values("department")
    reserved = active.annotate(n=Count("pk")).values("n")
    return (
        Department.objects.filter(hospital=hospital)
        .select_related("bed_state__updated_by")
        .annotate(
            occupied=Coalesce("bed_state__occupied", 0),
            reserved=Coalesce(models.Subquery(reserved, output_field=IntegerField()), 0),
        )
        .annotate(free=models.F("bed_count") - models.F("occupied") - models.F("reserved"))
        .order_by("specialty", "pk")
    )


class BedReservationQuerySet(models.QuerySet):
    def active(self) -> BedReservationQuerySet:
        return self.filter(ended_at__isnull=True)


class BedReservation(models.Model):
    """A bed promised to an approved transfer until the end of its arrival window."""

    class Outcome(models.TextChoices):
        ARRIVED = "arrived", _("The child arrived")
        EXPIRED = "expired", _("Expired")
        CANCELLED = "cancelled", _("Cancelled")

    referral = models.ForeignKey("Referral", on_delete=models.CASCADE, related_name="reservations")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="bed_reservations")
    reserved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reserved_at = models.DateTimeField(default=timezone.now)
    window_start = models.DateTimeField(_("arrival from"))
    window_end = models.DateTimeField(_("arrival until"))
    ended_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=12, choices=Outcome.choices, blank=True)

    objects = BedReservationQuerySet.as_manager()

    class Meta:
        verbose_name = _("bed reservation")
        verbose_name_plural = _("bed reservations")
        constraints = [
            models.UniqueConstraint(
                fields=["referral"], condition=Q(ended_at__isnull=True), name="reservation_one_active_per_referral"
            ),
            models.CheckConstraint(condition=Q(window_end__gt=models.F("window_start")), name="reservation_window"),
        ]
        indexes = [
            models.Index(fields=["department"], condition=Q(ended_at__isnull=True), name="reservation_active_dept"),
            models.Index(fields=["window_end"], condition=Q(ended_at__isnull=True), name="reservation_active_end"),
        ]

    def __str__(self) -> str:
        return f"{self.department} {self.window_start:%Y-%m-%d %H:%M}–{self.window_end:%H:%M}"

    @staticmethod
    def check_window(window_start: datetime, window_end: datetime, now: datetime | None = None) -> None:
        if window_end <= window_start:
            raise ReferralError(_("The arrival window must end after it starts."), field="window_end")
        if window_end <= (now or timezone.now()):
            raise ReferralError(_("The arrival window must end in the future."), field="window_end")

    def end(self, outcome: str) -> None:
        self.ended_at = timezone.now()
        self.outcome = outcome
        self.save(update_fields=["ended_at", "outcome"])


# --- Referrals ------------------------------------------------------------------------------


class ReferralQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> ReferralQuerySet:
        """The sending hospital sees its referrals. The receiving hospital sees them while it
        may see the child: the child is its own, or a live care-team grant (made when the
        referral was requested) gives it the record. Anyone else: nothing, so a 404."""
        if not works_with_patients(user):
            return self.none()
        hospital_id = user.hospital_id
        # A correlated EXISTS, probing the (hospital, patient) grant index per row: cheap for
        # what is looked at most (one referral, the queue's undecided requests). An IN over
        # all the hospital's grants would hash ~all of them on every page instead.
        granted = CareTeamGrant.objects.live().filter(
            Q(hospital_id=hospital_id) | Q(user_id=user.pk), patient_id=OuterRef("patient_id")
        )
        receiving = Q(receiving_hospital_id=hospital_id) & (Q(patient__hospital_id=hospital_id) | Exists(granted))
        return self.filter(Q(sending_hospital_id=hospital_id) | receiving)

    def open(self) -> ReferralQuerySet:
        return self.filter(status__in=OPEN_STATUSES)

    def with_urgency_rank(self) -> ReferralQuerySet:
        return self.annotate(
            urgency_rank=Case(
                *[When(urgency=urgency, then=Value(rank)) for urgency, rank in URGENCY_RANK.items()],
                default=Value(9),
                output_field=IntegerField(),
            )
        )

    def queue_for(self, hospital: Hospital | int) -> ReferralQuerySet:
        """Incoming requests awaiting a decision: emergencies on top, then by age of request."""
        return (
            self.filter(receiving_hospital=hospital, kind=Kind.TRANSFER, status__in=UNDECIDED_STATUSES)
            .with_urgency_rank()
            .order_by("urgency_rank", "submitted_at", "pk")
        )

    def awaiting_arrival(self, hospital: Hospital | int) -> ReferralQuerySet:
        return (
            self.filter(receiving_hospital=hospital, status__in=RESERVED_STATUSES)
            .with_urgency_rank()
            .order_by("urgency_rank", "decided_at", "pk")
        )

    def with_list_columns(self) -> ReferralQuerySet:
        """What a list row shows, in one query for any page size."""
        return self.select_related(
            "patient",
            "sending_hospital",
            "receiving_hospital",
            "receiving_department",
            "requested_by",
            "diagnosis",
        )


@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    pghistory.DeleteEvent(),
    # Not the default name: "ReferralEvent" is the workflow's own event model below.
    model_name="ReferralHistory",
    obj_field=pghistory.ObjForeignKey(related_name="changes"),
)
class Referral(ReloadableStatusMixin, models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.TRANSFER)
    direction = models.CharField(_("direction"), max_length=4, choices=Direction.choices)
    status = FSMField(_("status"), default=Status.NEW, choices=Status.choices, protected=True)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="referrals", verbose_name=_("patient"))

    # Who sends, and where to
    sending_hospital = models.ForeignKey(
        Hospital, on_delete=models.PROTECT, related_name="+", verbose_name=_("sending hospital")
    )
    sending_department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("from department")
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("referring doctor")
    )
    receiving_hospital = models.ForeignKey(
        Hospital, on_delete=models.PROTECT, related_name="+", verbose_name=_("receiving hospital")
    )
    receiving_department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="incoming_referrals",
        verbose_name=_("receiving department"),
    )
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.ROUTINE)

    # The case
    reason = models.CharField(_("reason"), max_length=30, choices=Reason.choices)
    reason_detail = models.TextField(_("reason in detail"), blank=True)
    diagnosis = models.ForeignKey(
        Diagnosis, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("diagnosis")
    )
    diagnosis_note = models.CharField(_("diagnosis details"), max_length=200, blank=True)
    clinical_summary = models.TextField(_("clinical summary"), blank=True)
    temperature_c = models.DecimalField(_("temperature (°C)"), max_digits=3, decimal_places=1, null=True, blank=True)
    heart_rate = models.PositiveSmallIntegerField(_("heart rate (/min)"), null=True, blank=True)
    respiratory_rate = models.PositiveSmallIntegerField(_("respiratory rate (/min)"), null=True, blank=True)
    spo2 = models.PositiveSmallIntegerField(_("SpO₂ (%)"), null=True, blank=True)
    weight_kg = models.DecimalField(_("weight (kg)"), max_digits=5, decimal_places=2, null=True, blank=True)
    treatment_given = models.TextField(_("treatment given"), blank=True)
    transport = models.CharField(_("transport"), max_length=20, choices=Transport.choices, default=Transport.OWN)

    # Where it started: a consultation's answer, a handbook triage run, or the up-referral a
    # down-referral closes the loop on. PROTECT, like the consultation: the run is why the
    # child was sent (and how urgently), part of the transfer's clinical record. The portal
    # never deletes runs; one deleted in the admin must not quietly cut that record.
    # The remote-service consent it was sent under (issue 15), set when it is sent.
    service_consent = models.ForeignKey(
        ServiceConsent,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals",
        verbose_name=_("remote-service consent"),
    )
    consultation = models.ForeignKey(
        "consultations.Consultation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals",
        verbose_name=_("from consultation"),
    )
    triage = models.ForeignKey(
        "handbook.TriageRun",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals",
        verbose_name=_("from handbook triage"),
    )
    # What the triage said, as the handbook hands it over (TriageRun.handbook_context(), the
    # snapshot a consultation keeps too).
    handbook_context = models.JSONField(_("from the handbook"), null=True, blank=True)
    up_referral = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="down_referrals",
        verbose_name=_("up-referral"),
    )

    # Down-referral for follow-up
    discharge_summary = models.TextField(_("discharge summary"), blank=True)
    medicines = models.TextField(_("medicines"), blank=True)

    # The clock and the decision
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    submitted_at = models.DateTimeField(_("requested at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    reject_reason = models.CharField(_("rejection reason"), max_length=20, choices=RejectReason.choices, blank=True)
    decision_note = models.TextField(_("comment"), blank=True)
    info_question = models.TextField(_("information asked for"), blank=True)
    departed_at = models.DateTimeField(_("departed at"), null=True, blank=True)
    arrived_at = models.DateTimeField(_("arrived at"), null=True, blank=True)
    arrival_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("arrival confirmed by"),
    )
    discharged_at = models.DateTimeField(_("discharged at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True)
    expired_at = models.DateTimeField(_("expired at"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("acknowledged by"),
    )
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    # A transfer ends in an admission and a follow-up plan comes from one: both are kept with
    # the inpatient record (30 years), the longer of the two periods.
    retention_class = retention_class_field(RetentionClass.INPATIENT)
    keep_until = keep_until_field()

    objects = ReferralQuerySet.as_manager()

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["-created_at"]
        constraints = [
            # One open referral per child. The request checks first (a friendly message);
            # this catches the two requests made at the same moment.
            models.UniqueConstraint(
                fields=["patient"], condition=Q(status__in=OPEN_STATUSES), name="referral_one_open_per_patient"
            ),
            models.CheckConstraint(
                condition=Q(kind=Kind.TRANSFER) | Q(direction=Direction.DOWN), name="referral_follow_up_goes_down"
            ),
        ]
        indexes = [
            models.Index(fields=["receiving_hospital", "status", "submitted_at"], name="referral_queue"),
            models.Index(fields=["sending_hospital", "-created_at"], name="referral_sending_recent"),
            models.Index(fields=["receiving_hospital", "-created_at"], name="referral_receiving_recent"),
            models.Index(fields=["patient", "-created_at"], name="referral_patient"),
            models.Index(fields=["created_at"], name="referral_created"),
            # Today's live roll-up row reads the day's referrals by submission time (issue 17).
            models.Index(fields=["submitted_at"], name="referral_submitted"),
            # The down-referrals still followed up (a few hundred of tens of thousands): the
            # group administrator's lapsed follow-ups join them instead of scanning all (issue 17).
            models.Index(
                fields=["id"], condition=Q(status__in=FOLLOW_UP_OPEN_STATUSES), name="referral_follow_up_open"
            ),
        ]
        triggers = retention_triggers("referral", "created_at", "OLD.patient_id")

    def __str__(self) -> str:
        return f"{self.patient.name} → {self.receiving_hospital}"

    def get_absolute_url(self) -> str:
        return record_path("referrals:detail", self.public_id)

    @property
    def status_badge(self) -> tuple[str, str]:
        """(Bootstrap classes, icon) of the status badge."""
        return STATUS_BADGES.get(self.status, OTHER_STATUS_BADGE)

    # --- Reading ------------------------------------------------------------------------

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_emergency(self) -> bool:
        return self.urgency == Urgency.EMERGENCY

    @property
    def is_follow_up(self) -> bool:
        return self.kind == Kind.FOLLOW_UP

    def active_reservation(self) -> BedReservation | None:
        return self.reservations.active().select_related("department", "reserved_by").first()

    def latest_reservation(self) -> BedReservation | None:
        return self.reservations.select_related("department", "reserved_by").order_by("-reserved_at", "-pk").first()

    def decision_time(self) -> timedelta | None:
        if self.submitted_at is None or self.decided_at is None:
            return None
        return self.decided_at - self.submitted_at

    # --- Who may do what ------------------------------------------------------------------

    def is_sending_doctor(self, user: User) -> bool:
        return user.is_authenticated and user.hospital_id == self.sending_hospital_id and user.is_doctor

    def is_sending_side(self, user: User) -> bool:
        return (
            user.is_authenticated
            and user.hospital_id == self.sending_hospital_id
            and (user.is_doctor or user.has_role(Role.TRANSFER_ADMIN))
        )

    def is_receiving_admin(self, user: User) -> bool:
        return (
            user.is_authenticated
            and user.hospital_id == self.receiving_hospital_id
            and user.has_role(Role.TRANSFER_ADMIN)
        )

    def is_receiving_doctor(self, user: User) -> bool:
        return user.is_authenticated and user.hospital_id == self.receiving_hospital_id and user.is_doctor

    def is_receiving_side(self, user: User) -> bool:
        return self.is_receiving_admin(user) or self.is_receiving_doctor(user)

    def can_decide(self, user: User) -> bool:
        return self.kind == Kind.TRANSFER and self.status in UNDECIDED_STATUSES and self.is_receiving_admin(user)

    def can_request_info(self, user: User) -> bool:
        return self.kind == Kind.TRANSFER and self.status == Status.REQUESTED and self.is_receiving_admin(user)

    def can_provide_info(self, user: User) -> bool:
        return self.status == Status.INFO_REQUESTED and self.is_sending_doctor(user)

    def can_mark_departed(self, user: User) -> bool:
        return self.status == Status.APPROVED and self.is_sending_side(user)

    def can_confirm_arrival(self, user: User) -> bool:
        # From "approved" too: the ward receives the child in front of it even when the
        # sending side forgot to mark the departure.
        return self.status in RESERVED_STATUSES and self.is_receiving_side(user)

    def can_cancel(self, user: User) -> bool:
        if self.kind != Kind.TRANSFER:
            return False
        if self.is_sending_side(user) and self.status in (*UNDECIDED_STATUSES, *RESERVED_STATUSES):
            return True
        # Before deciding, the receiving side rejects (with a coded reason) rather than cancels.
        return self.is_receiving_admin(user) and self.status in RESERVED_STATUSES

    def can_discharge(self, user: User) -> bool:
        return self.status == Status.ARRIVED and self.is_receiving_side(user)

    def can_refer_down(self, user: User) -> bool:
        return self.status == Status.ARRIVED and self.direction == Direction.UP and self.is_receiving_doctor(user)

    def can_acknowledge(self, user: User) -> bool:
        return self.kind == Kind.FOLLOW_UP and self.status == Status.SENT and self.is_receiving_doctor(user)

    def can_record_follow_up(self, user: User) -> bool:
        return self.kind == Kind.FOLLOW_UP and self.status == Status.ACKNOWLEDGED and self.is_receiving_doctor(user)

    def can_have_letter(self) -> bool:
        return self.status in LETTER_STATUSES

    @staticmethod
    def can_start(user: User) -> bool:
        """Doctors request transfers of the children they can see."""
        return user.is_authenticated and user.is_doctor and user.hospital_id is not None

    # --- Where it started -------------------------------------------------------------------

    @staticmethod
    def initial_from_triage(run: TriageRun) -> dict[str, Any]:
        """What a transfer request from a handbook triage result starts with: the urgency
        its colour means, and a clinical summary of what the triage found (the classification,
        the findings that decided it, the answers). The doctor edits both before sending."""
        classification = run.classification
        lines = [
            gettext("Handbook triage: %(classification)s (%(colour)s).")
            % {
                "classification": pick(classification.get("name_zh", ""), classification.get("name_en", "")),
                "colour": run.get_classification_colour_display(),
            }
        ]
        lines += [
            f"- {pick(condition['text']['zh'], condition['text']['en'])}"
            for rule in run.fired
            for condition in rule["conditions"]
        ]
        lines.append(gettext("Answers:"))
        lines += [
            f"- {pick(row['label']['zh'], row['label']['en'])}: {pick(row['text']['zh'], row['text']['en'])}"
            for row in run.answer_texts
        ]
        return {
            "urgency": TRIAGE_URGENCY.get(run.classification_colour, Urgency.ROUTINE),
            "clinical_summary": "\n".join(lines),
        }

    # --- The rules of a request (forms run them too, to show the message by its field) -------

    @staticmethod
    def check_department(hospital: Hospital, department: Department | None) -> None:
        if department is None or department.hospital_id != hospital.pk:
            raise ReferralError(_("Choose a department of the receiving hospital."), field="receiving_department")

    @staticmethod
    def check_diagnosis(diagnosis: Diagnosis | None, diagnosis_note: str) -> None:
        if diagnosis is None and not diagnosis_note.strip():
            raise ReferralError(_("Choose a diagnosis, or describe it in the details."), field="diagnosis")

    @staticmethod
    def check_rejection(reason: str, comment: str) -> None:
        if reason not in RejectReason.values:
            raise ReferralError(_("Choose a reason."), field="reason")
        if reason == RejectReason.OTHER and not comment.strip():
            raise ReferralError(_("Explain the reason in the comment."), field="comment")

    # --- Recipients ---------------------------------------------------------------------------

    def _receiving_admins(self) -> list:
        return _staff(hospital_id=self.receiving_hospital_id, roles=[Role.TRANSFER_ADMIN])

    def _receiving_doctors(self) -> list:
        """The receiving department's doctors (or the hospital's, without a department)."""
        if self.receiving_department_id:
            doctors = _staff(department_id=self.receiving_department_id, roles=DOCTOR_ROLES)
            if doctors:
                return doctors
        return _staff(hospital_id=self.receiving_hospital_id, roles=DOCTOR_ROLES)

    def _grassroots_doctors(self) -> list:
        """Who follows a down-referred child up: the doctor who acknowledged it, else the one
        who sent the child up (if they work there), else the receiving department's doctors."""
        if self.acknowledged_by_id:
            return [self.acknowledged_by]
        up = self.up_referral
        if up is not None and up.requested_by.hospital_id == self.receiving_hospital_id:
            return [up.requested_by]
        return self._receiving_doctors()

    def _sending_side(self) -> list:
        return [self.requested_by]

    # --- Transitions ----------------------------------------------------------------------
    # Each public method locks the row, re-checks the state under the lock, changes it,
    # writes the event and queues notifications after commit. Two people acting at once:
    # the second waits for the lock, then finds the state changed and is refused.

    def _locked(self) -> Referral:
        return (
            type(self)
            .objects.select_for_update(of=("self",))
            .select_related("patient", "receiving_department", "receiving_hospital", "requested_by")
            .get(pk=self.pk)
        )

    def _record(self, actor: User | None, kind: str, from_status: str, note: str = "") -> ReferralEvent:
        return ReferralEvent.objects.create(
            referral=self, actor=actor, kind=kind, from_status=from_status, to_status=self.status, note=note
        )

    def _notify(self, recipients: Iterable[User | None], kind: str, actor: User | None, **context: Any) -> None:
        people = [person for person in recipients if person is not None and (actor is None or person.pk != actor.pk)]
        if people:
            notify(
                people,
                kind,
                self,
                actor=actor,
                # The child's age, the urgency and the hospitals are rendered from the
                # referral when shown, in the reader's language.
                context=context,
            )

    @transition(field=status, source=Status.NEW, target=Status.REQUESTED)
    def _to_requested(self) -> None:
        pass

    def send_request(self, user: User, *, attachments: Iterable[UploadedFile] = (), file_kind: str = "other") -> None:
        """Store a new transfer request and put it in the receiving administrators' queue.

        The receiving hospital gets the child's record through a care-team grant, which the
        guardian's sharing consent allows (ConsentRequired otherwise). The patient row is
        locked, so two doctors requesting for the same child one after the other see each
        other's request; the partial unique index settles two at the very same moment.
        """
        if not self._state.adding:
            raise ReferralError(_("This referral has already been sent."))
        if not self.can_start(user):
            raise ReferralError(_("Only doctors can request a transfer."))
        with transaction.atomic():
            patient = Patient.objects.select_for_update().get(pk=self.patient_id)
            if not Patient.objects.is_visible_to(user, patient):
                raise ReferralError(_("You cannot see this child's record."))
            existing = Referral.objects.open().filter(patient=patient).first()
            if existing is not None:
                raise AlreadyOpen(_("This child already has an open referral."), existing)
            self.kind = Kind.TRANSFER
            self.sending_hospital_id = user.hospital_id
            self.sending_department_id = user.department_id
            self.requested_by = user
            self._check_destination()
            if not self.reason:
                raise ReferralError(_("Choose a reason."), field="reason")
            self.check_diagnosis(self.diagnosis, self.diagnosis_note)
            self.service_consent = self._consent_in_force(patient)
            self._to_requested()
            self.submitted_at = self.created_at = timezone.now()
            try:
                with transaction.atomic():
                    self.save()
            except IntegrityError as error:
                if "referral_one_open_per_patient" in str(error):
                    raise AlreadyOpen(
                        _("This child already has an open referral."),
                        Referral.objects.open().filter(patient=patient).first(),
                    ) from error
                raise
            self._share_record(user, _("Receiving a transfer request"))
            Attachment.objects.create_from_uploads(
                attachments, patient=patient, uploaded_by=user, kind=file_kind, source=self
            )
            self._record(user, "requested", Status.NEW, note=self.reason_detail)
            kind = "referrals.emergency" if self.is_emergency else "referrals.requested"
            self._notify(
                self._receiving_admins(),
                kind,
                user,
                **names_of("department", self.receiving_department),
                **in_both_languages("direction", Direction(self.direction).label),
            )

    def _check_destination(self) -> None:
        sending = Hospital.objects.get(pk=self.sending_hospital_id)
        receiving = self.receiving_hospital
        direction = direction_between(sending, receiving)
        if direction is None:
            raise ReferralError(_("A transfer goes up to a higher-level hospital or down to a lower-level one."))
        if self.direction and self.direction != direction:
            if self.direction == Direction.UP:
                raise ReferralError(_("Choose a higher-level hospital for a transfer up."))
            raise ReferralError(_("Choose a district or community hospital for a transfer down."))
        self.direction = direction
        self.check_department(receiving, self.receiving_department)

    @staticmethod
    def _consent_in_force(patient: Patient) -> ServiceConsent:
        """The episode's remote-service consent: a transfer is not sent without it."""
        consent = patient.active_service_consent()
        if consent is None:
            raise ReferralError(_("Record the guardian's consent to the remote service before sending the referral."))
        return consent

    def _share_record(self, user: User, reason: str) -> None:
        """Give the receiving hospital the child's record (refused without consent)."""
        patient = self.patient
        if self.receiving_hospital_id == patient.hospital_id:
            return
        if CareTeamGrant.objects.live().filter(patient=patient, hospital_id=self.receiving_hospital_id).exists():
            return
        try:
            patient.grant(hospital=self.receiving_hospital, reason=reason, source=self, granted_by=user)
        except ConsentRequired as error:
            raise ReferralError(
                _("Record the guardian's consent to share the record before requesting a transfer.")
            ) from error

    @transition(field=status, source=Status.REQUESTED, target=Status.INFO_REQUESTED)
    def _to_info_requested(self) -> None:
        pass

    def request_info(self, user: User, question: str) -> None:
        question = question.strip()
        with transaction.atomic():
            locked = self._locked()
            if not locked.can_request_info(user):
                raise ReferralError(_("Only the receiving hospital's transfer administrators can ask for information."))
            if not question:
                raise ReferralError(_("Write what you need to know."))
            locked._to_info_requested()
            locked.info_question = question
            locked.save()
            locked._record(user, "info_requested", Status.REQUESTED, note=question)
            locked._notify(locked._sending_side(), "referrals.info_requested", user)
        self.refresh_from_db()

    @transition(field=status, source=Status.INFO_REQUESTED, target=Status.REQUESTED)
    def _to_requested_again(self) -> None:
        pass

    def provide_info(
        self, user: User, answer: str, *, attachments: Iterable[UploadedFile] = (), file_kind: str = "other"
    ) -> None:
        answer = answer.strip()
        with transaction.atomic():
            locked = self._locked()
            if not locked.can_provide_info(user):
                raise ReferralError(_("No information is being waited for."))
            if not answer:
                raise ReferralError(_("Write the information asked for."))
            locked._to_requested_again()
            locked.save()
            Attachment.objects.create_from_uploads(
                attachments, patient=locked.patient, uploaded_by=user, kind=file_kind, source=locked
            )
            locked._record(user, "info_provided", Status.INFO_REQUESTED, note=answer)
            locked._notify(locked._receiving_admins(), "referrals.info_provided", user)
        self.refresh_from_db()

    @transition(field=status, source=[Status.REQUESTED, Status.INFO_REQUESTED], target=Status.REQUESTED)
    def _to_redirected(self) -> None:
        pass

    def redirect(self, user: User, department: Department, note: str = "") -> None:
        """Send the request to another department of the receiving hospital; it stays undecided."""
        with transaction.atomic():
            locked = self._locked()
            if not locked.can_decide(user):
                raise ReferralError(_("Only the receiving hospital's transfer administrators can redirect a request."))
            if (
                department.hospital_id != locked.receiving_hospital_id
                or department.pk == locked.receiving_department_id
            ):
                raise ReferralError(_("Choose another department of the receiving hospital."))
            from_status = locked.status
            old = locked.receiving_department.name
            locked._to_redirected()
            locked.receiving_department = department
            locked.save()
            locked._record(user, "redirected", from_status, note=f"{old} → {department.name}. {note}".strip())
            locked._notify(locked._sending_side(), "referrals.redirected", user, **names_of("department", department))
        self.refresh_from_db()

    @transition(field=status, source=[Status.REQUESTED, Status.INFO_REQUESTED], target=Status.APPROVED)
    def _to_approved(self) -> None:
        pass

    def approve(self, user: User, *, window_start: datetime, window_end: datetime, note: str = "") -> BedReservation:
        """Approve and reserve a bed in the receiving department until the window ends.

        The department's bed-state row is locked before the free beds are counted: of two
        administrators approving for the last bed at once, the second waits, counts again
        (now seeing the first reservation) and is refused with NoBedAvailable.
        """
        now = timezone.now()
        with transaction.atomic():
            locked = self._locked()
            if not locked.can_decide(user):
                raise ReferralError(_("This request is no longer waiting for a decision."))
            BedReservation.check_window(window_start, window_end, now)
            beds = BedState.locked_for(locked.receiving_department)
            if beds.free_beds() < 1:
                raise NoBedAvailable(
                    _("No free bed in %(department)s: the last one was just reserved or occupied.")
                    % {"department": locked.receiving_department.name}
                )
            from_status = locked.status
            locked._to_approved()
            locked.decided_at = now
            locked.decided_by = user
            locked.decision_note = note
            locked.save()
            reservation = BedReservation.objects.create(
                referral=locked,
                department=locked.receiving_department,
                reserved_by=user,
                reserved_at=now,
                window_start=window_start,
                window_end=window_end,
            )
            window = _window_text(window_start, window_end)
            locked._record(user, "approved", from_status, note=f"{window}. {note}".strip(" ."))
            locked._notify(locked._sending_side(), "referrals.approved", user, window=window)
            locked._notify(
                locked._receiving_doctors(),
                "referrals.bed_reserved",
                user,
                window=window,
                **names_of("department", locked.receiving_department),
            )
        self.refresh_from_db()
        return reservation

    @transition(field=status, source=[Status.REQUESTED, Status.INFO_REQUESTED], target=Status.REJECTED)
    def _to_rejected(self) -> None:
        pass

    def reject(self, user: User, reason: str, comment: str = "") -> None:
        with transaction.atomic():
            locked = self._locked()
            if not locked.can_decide(user):
                raise ReferralError(_("This request is no longer waiting for a decision."))
            self.check_rejection(reason, comment)
            from_status = locked.status
            locked._to_rejected()
            locked.decided_at = timezone.now()
            locked.decided_by = user
            locked.reject_reason = reason
            locked.decision_note = comment
            locked.save()
            locked._record(user, "rejected", from_status, note=f"{RejectReason(reason).label}. {comment}".strip(" ."))
            locked._notify(
                locked._sending_side(),
                "referrals.rejected",
                user,
                **in_both_languages("reason", RejectReason(reason).label),
            )
        self.refresh_from_db()

    @transition(field=status, source=Status.APPROVED, target=Status.DEPARTED)
    def _to_departed(self) -> None:
        pass

    def mark_departed(self, user: User, note: str = "") -> None:
        with transaction.atomic():
            locked = self._locked()
            if not locked.can_mark_departed(user):
                raise ReferralError(_("Only the sending hospital can mark an approved transfer as departed."))
            locked._to_departed()
            locked.departed_at = timezone.now()
            locked.save()
            locked._record(user, "departed", Status.APPROVED, note=note)
            locked._notify(
                locked._receiving_admins() + locked._receiving_doctors(),
                "referrals.departed",
                user,
                **in_both_languages("transport", Transport(locked.transport).label),
            )
        self.refresh_from_db()

    @transition(field=status, source=[Status.APPROVED, Status.DEPARTED], target=Status.ARRIVED)
    def _to_arrived(self) -> None:
        pass

    def confirm_arrival(self, user: User, note: str = "") -> None:
        """The handover: the reservation becomes an occupied bed."""
        with transaction.atomic():
            locked = self._locked()
            if not locked.can_confirm_arrival(user):
                raise ReferralError(_("Only the receiving hospital can confirm the arrival of an approved transfer."))
            reservation = locked.reservations.select_for_update().filter(ended_at__isnull=True).first()
            department = reservation.department if reservation else locked.receiving_department
            beds = BedState.locked_for(department)
            from_status = locked.status
            locked._to_arrived()
            locked.arrived_at = timezone.now()
            locked.arrival_confirmed_by = user
            locked.save()
            if reservation is not None:
                reservation.end(BedReservation.Outcome.ARRIVED)
            beds._change_occupied(+1)
            locked._record(user, "arrived", from_status, note=note)
            locked._notify(locked._sending_side(), "referrals.arrived", user, **names_of("department", department))
        self.refresh_from_db()

    @transition(
        field=status,
        source=[Status.REQUESTED, Status.INFO_REQUESTED, Status.APPROVED, Status.DEPARTED],
        target=Status.CANCELLED,
    )
    def _to_cancelled(self) -> None:
        pass

    def cancel(self, user: User, reason: str) -> None:
        """Either side, before arrival, with a reason; a reserved bed is released."""
        reason = reason.strip()
        with transaction.atomic():
            locked = self._locked()
            if not locked.can_cancel(user):
                raise ReferralError(_("This transfer can no longer be cancelled by you."))
            if not reason:
                raise ReferralError(_("Give a reason for cancelling."))
            from_status = locked.status
            locked._release_reservation(BedReservation.Outcome.CANCELLED)
            locked._to_cancelled()
            locked.cancelled_at = timezone.now()
            locked.cancel_reason = reason
            locked.save()
            locked._record(user, "cancelled", from_status, note=reason)
            if locked.is_sending_side(user):
                other = locked._receiving_admins()
                if from_status in RESERVED_STATUSES:
                    other += locked._receiving_doctors()
            else:
                other = locked._sending_side()
            locked._notify(other, "referrals.cancelled", user)
        self.refresh_from_db()

    def _release_reservation(self, outcome: str) -> None:
        reservation = self.reservations.select_for_update().filter(ended_at__isnull=True).first()
        if reservation is None:
            return
        # Lock the bed state too: a reservation ending changes the free beds.
        BedState.locked_for(reservation.department)
        reservation.end(outcome)

    @transition(field=status, source=Status.APPROVED, target=Status.EXPIRED)
    def _to_expired(self) -> None:
        pass

    @classmethod
    def expire_reservation(cls, referral_id: int, now: datetime | None = None) -> bool:
        """The periodic job: an approved transfer whose arrival window is over loses its bed.
        Safe to run twice: the second run finds the state changed. Returns whether it acted.

        A child marked departed keeps the bed: they are on the road, and the receiving side
        confirms the arrival or cancels."""
        now = now or timezone.now()
        with transaction.atomic():
            try:
                locked = cls(pk=referral_id)._locked()
            except cls.DoesNotExist:
                return False
            if locked.status != Status.APPROVED:
                return False
            reservation = locked.reservations.select_for_update().filter(ended_at__isnull=True).first()
            if reservation is not None and reservation.window_end > now:
                return False
            if reservation is not None:
                BedState.locked_for(reservation.department)
                reservation.end(BedReservation.Outcome.EXPIRED)
            locked._to_expired()
            locked.expired_at = now
            locked.save()
            locked._record(None, "expired", Status.APPROVED)
            locked._notify(
                locked._sending_side() + locked._receiving_admins() + locked._receiving_doctors(),
                "referrals.expired",
                None,
            )
        return True

    @transition(field=status, source=Status.ARRIVED, target=Status.DISCHARGED)
    def _to_discharged(self) -> None:
        pass

    def discharge(self, user: User, note: str = "") -> None:
        """The child leaves the receiving hospital: the occupied bed is released."""
        with transaction.atomic():
            locked = self._locked()
            locked._discharge_locked(user, note)
            locked._notify(locked._sending_side(), "referrals.discharged", user)
        self.refresh_from_db()

    def _discharge_locked(self, user: User, note: str) -> None:
        if not self.can_discharge(user):
            raise ReferralError(_("Only the receiving hospital can discharge a child who arrived."))
        if self.receiving_department_id:
            BedState.locked_for(self.receiving_department)._change_occupied(-1)
        self._to_discharged()
        self.discharged_at = timezone.now()
        self.save()
        self._record(user, "discharged", Status.ARRIVED, note=note)

    @transition(field=status, source=Status.NEW, target=Status.SENT)
    def _to_sent(self) -> None:
        pass

    def refer_down(
        self,
        user: User,
        *,
        receiving_hospital: Hospital,
        receiving_department: Department | None,
        diagnosis: Diagnosis | None,
        diagnosis_note: str = "",
        discharge_summary: str,
        medicines: str = "",
        follow_ups: Sequence[tuple[str, date]] = (),
        reason: str = Reason.FOLLOW_UP,
        attachments: Iterable[UploadedFile] = (),
        file_kind: str = "letter",
    ) -> Referral:
        """Discharge this up-referred child and send them down for follow-up, in one step.

        Returns the new down-referral, with its dated follow-up items."""
        if not discharge_summary.strip():
            raise ReferralError(_("Write the discharge summary."), field="discharge_summary")
        if receiving_department is not None:
            self.check_department(receiving_hospital, receiving_department)
        self.check_diagnosis(diagnosis, diagnosis_note)
        today = timezone.localdate()
        for description, due_on in follow_ups:
            FollowUpItem.check_item(description, due_on, today)
        with transaction.atomic():
            locked = self._locked()
            if not locked.can_refer_down(user):
                raise ReferralError(_("Only a doctor of the receiving hospital can refer an admitted child down."))
            if direction_between(Hospital.objects.get(pk=user.hospital_id), receiving_hospital) != Direction.DOWN:
                raise ReferralError(_("Choose a district or community hospital for a transfer down."))
            locked._discharge_locked(user, _("Discharged with a down-referral for follow-up."))
            now = timezone.now()
            down = Referral(
                kind=Kind.FOLLOW_UP,
                direction=Direction.DOWN,
                patient=locked.patient,
                sending_hospital_id=user.hospital_id,
                sending_department_id=user.department_id,
                requested_by=user,
                receiving_hospital=receiving_hospital,
                receiving_department=receiving_department,
                urgency=Urgency.ROUTINE,
                reason=reason,
                diagnosis=diagnosis,
                diagnosis_note=diagnosis_note,
                discharge_summary=discharge_summary,
                medicines=medicines,
                up_referral=locked,
                created_at=now,
                submitted_at=now,
            )
            down.service_consent = down._consent_in_force(locked.patient)
            down._to_sent()
            down.save()
            down._share_record(user, _("Following up a down-referred child"))
            FollowUpItem.objects.bulk_create(
                [
                    FollowUpItem(referral=down, description=description.strip(), due_on=due_on)
                    for description, due_on in sorted(follow_ups, key=lambda item: item[1])
                ]
            )
            Attachment.objects.create_from_uploads(
                attachments, patient=down.patient, uploaded_by=user, kind=file_kind, source=down
            )
            plan = "; ".join(f"{due_on:%Y-%m-%d} {description.strip()}" for description, due_on in follow_ups)
            down._record(user, "down_referred", Status.NEW, note=plan)
            down._notify(down._grassroots_doctors(), "referrals.down_referral", user, follow_up_count=len(follow_ups))
        self.refresh_from_db()
        return down

    @transition(field=status, source=Status.SENT, target=Status.ACKNOWLEDGED)
    def _to_acknowledged(self) -> None:
        pass

    def acknowledge(self, user: User, note: str = "") -> None:
        with transaction.atomic():
            locked = self._locked()
            if not locked.can_acknowledge(user):
                raise ReferralError(_("Only a doctor of the receiving hospital can acknowledge this down-referral."))
            locked._to_acknowledged()
            locked.acknowledged_at = timezone.now()
            locked.acknowledged_by = user
            locked.save()
            locked._record(user, "acknowledged", Status.SENT, note=note)
            locked._notify(locked._sending_side(), "referrals.acknowledged", user)
            if not locked.follow_ups.filter(state=FollowUpItem.State.PENDING).exists():
                locked._complete(user)
        self.refresh_from_db()

    @transition(field=status, source=Status.ACKNOWLEDGED, target=Status.COMPLETED)
    def _to_completed(self) -> None:
        pass

    def _complete(self, user: User) -> None:
        self._to_completed()
        self.completed_at = timezone.now()
        self.save()
        done = self.follow_ups.filter(state=FollowUpItem.State.DONE).count()
        total = self.follow_ups.count()
        self._record(user, "completed", Status.ACKNOWLEDGED, note=f"{done}/{total}")
        self._notify(self._sending_side(), "referrals.completed", user, done=done, total=total)

    def record_follow_up(self, user: User, item: FollowUpItem, *, done: bool, note: str = "") -> None:
        """Mark one follow-up item done or missed; the last one completes the down-referral."""
        with transaction.atomic():
            locked = self._locked()
            if not locked.can_record_follow_up(user):
                raise ReferralError(_("Only the receiving hospital's doctors record follow-ups, once acknowledged."))
            row = FollowUpItem.objects.select_for_update().filter(pk=item.pk, referral=locked).first()
            if row is None:
                raise ReferralError(_("This follow-up item is not part of this down-referral."))
            if row.state != FollowUpItem.State.PENDING:
                raise ReferralError(_("This follow-up item is already recorded."))
            row.state = FollowUpItem.State.DONE if done else FollowUpItem.State.MISSED
            row.recorded_at = timezone.now()
            row.recorded_by = user
            row.note = note.strip()
            row.save(update_fields=["state", "recorded_at", "recorded_by", "note"])
            kind = "follow_up_done" if done else "follow_up_missed"
            locked._record(user, kind, locked.status, note=f"{row.description} ({row.due_on:%Y-%m-%d}) {row.note}")
            if not done:
                locked._notify(locked._sending_side(), "referrals.follow_up_missed", user, item=row.description)
            if not locked.follow_ups.filter(state=FollowUpItem.State.PENDING).exists():
                locked._complete(user)
        item.refresh_from_db()
        self.refresh_from_db()


def _window_text(start: datetime, end: datetime) -> str:
    start, end = timezone.localtime(start), timezone.localtime(end)
    end_format = "%H:%M" if start.date() == end.date() else "%Y-%m-%d %H:%M"
    return f"{start:%Y-%m-%d %H:%M}–{end.strftime(end_format)}"


def _staff(*, roles: Iterable[str], hospital_id: int | None = None, department_id: int | None = None) -> list[User]:
    people = User.objects.with_role(*roles)
    if hospital_id is not None:
        people = people.filter(hospital_id=hospital_id)
    if department_id is not None:
        people = people.filter(department_id=department_id)
    return list(people.distinct().order_by("pk"))


class ReferralEvent(models.Model):
    """One step of a referral: who, when, from which state to which, and a note."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    kind = models.CharField(max_length=30)
    from_status = models.CharField(max_length=20, choices=Status.choices)
    to_status = models.CharField(max_length=20, choices=Status.choices)
    note = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["referral", "at"], name="referral_event_order")]

    def __str__(self) -> str:
        return f"{self.referral_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"


# --- Follow-up ---------------------------------------------------------------------------------


class FollowUpItemQuerySet(models.QuerySet):
    def lapsed(self, today: date | None = None) -> FollowUpItemQuerySet:
        """Past their date and not done, on a down-referral still being followed up."""
        today = today or timezone.localdate()
        return self.filter(
            state=FollowUpItem.State.PENDING,
            due_on__lt=today,
            referral__status__in=FOLLOW_UP_OPEN_STATUSES,
        )

    def needing_alert(self, now: datetime | None = None) -> FollowUpItemQuerySet:
        """Lapsed items with an alert still to send: the first, or the escalation once due."""
        now = now or timezone.now()
        delay = timedelta(hours=follow_up_escalation_hours())
        return self.lapsed(timezone.localdate(now)).filter(
            Q(lapse_alerted_at__isnull=True) | Q(escalated_at__isnull=True, lapse_alerted_at__lte=now - delay)
        )


def follow_up_escalation_hours() -> int:
    return settings.REFERRAL_FOLLOW_UP_ESCALATION_HOURS


@track_clinical()
class FollowUpItem(models.Model):
    """A dated item of a down-referral's follow-up plan ("recheck in 7 days")."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        DONE = "done", _("Done")
        MISSED = "missed", _("Missed")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="follow_ups")
    description = models.CharField(_("what"), max_length=200)
    due_on = models.DateField(_("due on"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    recorded_at = models.DateTimeField(_("recorded at"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    # The two alerts of a lapsed item, each sent once: to the grassroots doctor, then later
    # to the Xinhua doctor who wrote the plan.
    lapse_alerted_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)

    objects = FollowUpItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("follow-up item")
        verbose_name_plural = _("follow-up items")
        ordering = ["due_on", "pk"]
        indexes = [
            models.Index(fields=["due_on"], condition=Q(state="pending"), name="follow_up_pending_due"),
        ]

    def __str__(self) -> str:
        return f"{self.description} ({self.due_on:%Y-%m-%d})"

    @staticmethod
    def check_item(description: str, due_on: date | None, today: date | None = None) -> None:
        """An item of the plan says what is to be done and when, not in the past."""
        if not description.strip():
            raise ReferralError(_("Say what is to be done."), field="description")
        if due_on is None:
            raise ReferralError(_("Give the date."), field="due_on")
        if due_on < (today or timezone.localdate()):
            raise ReferralError(_("Follow-up dates cannot be in the past."), field="due_on")

    def is_lapsed(self, today: date | None = None) -> bool:
        return self.state == self.State.PENDING and self.due_on < (today or timezone.localdate())

    @classmethod
    def alert_if_lapsed(cls, item_id: int, now: datetime | None = None) -> str:
        """The periodic job's step for one item: "alerted", "escalated" or "" (nothing due).

        The item row is locked and the timestamps say what was sent, so two runs at once or
        one after the other never send the same alert twice."""
        now = now or timezone.now()
        today = timezone.localdate(now)
        delay = timedelta(hours=follow_up_escalation_hours())
        with transaction.atomic():
            item = cls.objects.select_for_update(of=("self",)).select_related("referral").filter(pk=item_id).first()
            if item is None or not item.is_lapsed(today) or item.referral.status not in FOLLOW_UP_OPEN_STATUSES:
                return ""
            referral = item.referral
            context = {"item": item.description, "due_on": item.due_on.isoformat()}
            if item.lapse_alerted_at is None:
                item.lapse_alerted_at = now
                item.save(update_fields=["lapse_alerted_at"])
                ReferralEvent.objects.create(
                    referral=referral,
                    kind="follow_up_lapsed",
                    from_status=referral.status,
                    to_status=referral.status,
                    note=str(item),
                )
                referral._notify(referral._grassroots_doctors(), "referrals.follow_up_lapsed", None, **context)
                return "alerted"
            if item.escalated_at is None and item.lapse_alerted_at + delay <= now:
                item.escalated_at = now
                item.save(update_fields=["escalated_at"])
                ReferralEvent.objects.create(
                    referral=referral,
                    kind="follow_up_escalated",
                    from_status=referral.status,
                    to_status=referral.status,
                    note=str(item),
                )
                referral._notify([referral.requested_by], "referrals.follow_up_escalated", None, **context)
                return "escalated"
        return ""


# --- The letter -------------------------------------------------------------------------------


# A letter asked for and still not made after this long lost its task: asking again requeues it.
LETTER_RETRY_AFTER = timedelta(minutes=5)


def _letter_path(instance: ReferralLetter, filename: str) -> str:
    # One name per request (see GeneratedPdf.pdf_storage_name); no child's name in it.
    asked = timezone.localtime(instance.requested_at)
    return f"letters/referrals/{asked:%Y}/{asked:%m}/{instance.referral.public_id}-{asked:%Y%m%dT%H%M%S%f}.pdf"


class ReferralLetter(GeneratedPdf, models.Model):
    """The referral letter PDF, made by a task. One row per referral: asking again after
    the referral changed (approved → arrived…) makes it again."""

    referral = models.OneToOneField(Referral, on_delete=models.CASCADE, related_name="letter")
    requested_at = models.DateTimeField(default=timezone.now)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    generated_at = models.DateTimeField(null=True, blank=True)
    # The letter describes the referral as of this status.
    status_at_generation = models.CharField(max_length=20, blank=True)
    file = models.FileField(upload_to=_letter_path, null=True, blank=True, max_length=200)

    class Meta:
        verbose_name = _("referral letter")
        verbose_name_plural = _("referral letters")

    def __str__(self) -> str:
        return f"letter {self.referral_id}"

    @property
    def is_ready(self) -> bool:
        return bool(self.file) and self.generated_at is not None

    def is_current(self) -> bool:
        return self.is_ready and self.status_at_generation == self.referral.status

    @classmethod
    def request_for(cls, referral: Referral, user: User) -> tuple[ReferralLetter, bool]:
        """Ask for the letter; returns (row, queued). The task is queued after commit unless
        an up-to-date letter exists or one is being made right now (a double click)."""
        if not referral.can_have_letter():
            raise ReferralError(_("The letter is available once the transfer is approved."))
        now = timezone.now()
        with transaction.atomic():
            letter = cls.objects.select_for_update().select_related("referral").filter(referral=referral).first()
            if letter is None:
                try:
                    with transaction.atomic():
                        letter = cls.objects.create(referral=referral, requested_by=user, requested_at=now)
                except IntegrityError:
                    # Asked for at the same moment by someone else: theirs is being made.
                    return cls.objects.get(referral=referral), False
            elif letter.is_current() or (
                letter.generated_at is None and letter.requested_at > now - LETTER_RETRY_AFTER
            ):
                # Up to date, or being made right now (a double click).
                return letter, False
            else:
                letter.requested_at = now
                letter.requested_by = user
                letter.generated_at = None
                letter.save(update_fields=["requested_at", "requested_by", "generated_at"])
            letter.queue_pdf()
        return letter, True

    # --- The PDF (cloudpeds.core.documents) ---

    def pdf_is_current(self) -> bool:
        return self.is_current()

    def pdf_recorded_fields(self) -> dict[str, Any]:
        return {"status_at_generation": self.referral.status}

    def pdf_storage_name(self) -> str:
        return _letter_path(self, "letter.pdf")

    def build_pdf(self) -> bytes:
        from .letter import render_letter

        return render_letter(self.referral)


# --- Daily roll-up --------------------------------------------------------------------------------


class ReferralDay(models.Model):
    """One day × sending hospital × receiving hospital × direction × urgency of referrals, by
    the day they were requested (Beijing time). Maintained by referrals/rollups.py; metrics
    and outcome pages read these rows (today's partial day computed live, same query)."""

    day = models.DateField()
    sending_hospital = models.ForeignKey(Hospital, on_delete=models.CASCADE, related_name="+")
    receiving_hospital = models.ForeignKey(Hospital, on_delete=models.CASCADE, related_name="+")
    direction = models.CharField(max_length=4, choices=Direction.choices)
    urgency = models.CharField(max_length=10, choices=Urgency.choices)
    submitted = models.PositiveIntegerField(default=0)
    from_consultation = models.PositiveIntegerField(default=0)
    from_triage = models.PositiveIntegerField(default=0)
    decided = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    arrived = models.PositiveIntegerField(default=0)
    # Up-referrals that came back down (a down-referral points to them), and of those the
    # loops closed: arrived, and every item of the down-referral's follow-up plan recorded.
    came_back_down = models.PositiveIntegerField(default=0)
    loop_closed = models.PositiveIntegerField(default=0)
    # Down-referrals' follow-up items: done, lapsed (missed, or pending past the due day).
    follow_ups = models.PositiveIntegerField(default=0)
    follow_ups_done = models.PositiveIntegerField(default=0)
    follow_ups_lapsed = models.PositiveIntegerField(default=0)
    decision_seconds = ArrayField(models.FloatField(), default=list)
    transfer_seconds = ArrayField(models.FloatField(), default=list)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "sending_hospital", "receiving_hospital", "direction", "urgency"],
                name="referrals_day_unique",
            )
        ]
        indexes = [models.Index(fields=["sending_hospital", "day"], name="referrals_day_sending")]

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d}"
