"""Realistic volume for `manage.py seed_scale` (the benchmark): 20,000 referrals times `factor`
over two years, from the district hospitals' children (cloudpeds/patients/demo/scale.py) to
Xinhua's departments, and down-referrals back.

Mostly closed (discharged with a down-referral, rejected, cancelled, expired), with a few
hundred open at any time in every open state, as a group this size would have. Each child has
at most one open referral (the partial unique index), so open states go to distinct children.
Rows are inserted with bulk_create in batches; each referral gets its events, the approved
ones their (ended or active) reservation, the follow-up referrals their items. Referrals are
keyed on a fixed id (uuid5 of the serial): a second run creates only what is missing.
"""

from __future__ import annotations

import random
import time
import uuid
from datetime import datetime, timedelta

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from cloudpeds.accounts.models import Department, Hospital, User
from cloudpeds.accounts.roles import DOCTOR_ROLES, Role
from cloudpeds.patients.demo.scale import district_doctors
from cloudpeds.patients.models import CareTeamGrant, Patient

from ..models import (
    BedReservation,
    Diagnosis,
    FollowUpItem,
    Kind,
    Reason,
    Referral,
    ReferralEvent,
    RejectReason,
    Status,
    Transport,
)
from . import load_icd10_subset

TARGET = 20_000
BATCH = 2_000
NAMESPACE = uuid.UUID("0c7d7f3e-5f0a-4c27-9b6f-0d3f6b1c2a99")

# Closed outcomes of an up-referral, with their weights; open states are added per serial.
_CLOSED = [("loop", 55), ("discharged", 10), ("rejected", 12), ("cancelled", 8), ("expired", 5)]
_OPEN = [Status.REQUESTED, Status.INFO_REQUESTED, Status.APPROVED, Status.DEPARTED, Status.ARRIVED]
_URGENCY = ["emergency"] * 1 + ["urgent"] * 4 + ["routine"] * 5
_REASONS = [Reason.NEEDS_SPECIALIST, Reason.DIAGNOSTIC_WORKUP, Reason.NOT_IMPROVING, Reason.NEEDS_INTENSIVE_CARE]
_SUMMARIES = ["发热伴咳嗽", "呼吸急促，血氧下降", "反复腹痛", "惊厥发作", "黄疸进行性加重", "皮疹伴高热"]


def seed_scale(stdout, factor: float = 1.0) -> None:
    target = int(TARGET * factor)
    load_icd10_subset()
    lead = Hospital.objects.filter(level=Hospital.Level.LEAD).first()
    departments = list(Department.objects.filter(hospital=lead).exclude(bed_count=0)) if lead else []
    admin = User.objects.with_role(Role.TRANSFER_ADMIN).filter(hospital=lead).first() if lead else None
    specialist = User.objects.with_role(*DOCTOR_ROLES).filter(hospital=lead).order_by("pk").first() if lead else None
    # The doctor who registered a district hospital's children sends them up.
    senders = district_doctors()
    if not (departments and admin and specialist and senders):
        stdout.write(
            "Scale referrals: run seed_demo and the patients' seed_scale first (no lead hospital, admin or doctors)."
        )
        return
    done = set(
        Referral.objects.filter(public_id__in=[_public_id(serial) for serial in range(target)]).values_list(
            "public_id", flat=True
        )
    )
    if len(done) >= target:
        stdout.write(f"Scale referrals: {target} already there.")
        return

    started = time.monotonic()
    rng = random.Random(20250301)  # synthetic data: no security use
    diagnoses = list(Diagnosis.objects.all())
    patients_by_hospital = {
        hospital: list(
            Patient.objects.filter(hospital=hospital, record_number__startswith="SC", consents__isnull=False)
            .exclude(referrals__status__in=_OPEN)
            .order_by("pk")
            .values_list("pk", flat=True)
            .distinct()
        )
        for hospital in senders
    }
    if not any(patients_by_hospital.values()):
        stdout.write("Scale referrals: no scale children with consent; run the patients' seed_scale first.")
        return
    now = timezone.now()
    open_quota = max(10, target // 40)  # ~2.5 % open, like a busy week
    hospitals = list(senders)
    created = 0
    batch: list[_Plan] = []
    for serial in range(target):
        if _public_id(serial) in done:
            continue
        hospital = hospitals[serial % len(hospitals)]
        pool = patients_by_hospital[hospital]
        if not pool:
            continue
        if serial < open_quota:
            # Distinct children for open states: pop them from the pool.
            patient_id = pool.pop()
            outcome = _OPEN[serial % len(_OPEN)]
        else:
            patient_id = pool[rng.randrange(len(pool))]
            outcome = rng.choices([name for name, _w in _CLOSED], weights=[w for _n, w in _CLOSED])[0]
        batch.append(
            _plan(
                rng,
                serial,
                outcome,
                patient_id,
                hospital,
                senders[hospital],
                departments,
                admin,
                specialist,
                diagnoses,
                now,
            )
        )
        if len(batch) >= BATCH:
            created += _insert(batch)
            batch = []
    if batch:
        created += _insert(batch)
    elapsed = time.monotonic() - started
    stdout.write(f"Scale referrals: {created} up-referrals (with their down-referrals) created in {elapsed:.1f} s.")


def _public_id(serial: int) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, str(serial))


class _Plan:
    def __init__(self) -> None:
        # Field values, not models: the status field is protected, so a referral is built
        # once, with its final status (see _insert).
        self.up: dict = {}
        self.down: dict | None = None
        self.events: list[tuple[str, str, str, datetime, User | None]] = []  # kind, from, to, at, actor
        self.down_events: list[tuple[str, str, str, datetime, User | None]] = []
        self.reservation: dict | None = None
        self.items: list[tuple[str, datetime, str]] = []


def _plan(rng, serial, outcome, patient_id, hospital, doctor, departments, admin, specialist, diagnoses, now) -> _Plan:
    plan = _Plan()
    department = rng.choice(departments)
    urgency = rng.choice(_URGENCY)
    open_state = outcome in _OPEN
    age = timedelta(hours=rng.uniform(0.5, 70)) if open_state else timedelta(days=rng.uniform(3, 730))
    requested = now - age
    decision_delay = timedelta(minutes={"emergency": 20, "urgent": 90, "routine": 600}[urgency] * rng.uniform(0.2, 3))
    decided = requested + decision_delay
    up = {
        "public_id": _public_id(serial),
        "kind": Kind.TRANSFER,
        "direction": "up",
        "patient_id": patient_id,
        "sending_hospital": hospital,
        "sending_department_id": doctor.department_id,
        "requested_by": doctor,
        "receiving_hospital": department.hospital,
        "receiving_department": department,
        "urgency": urgency,
        "reason": rng.choice(_REASONS),
        "diagnosis": rng.choice(diagnoses),
        "clinical_summary": rng.choice(_SUMMARIES),
        "transport": rng.choice(Transport.values),
        "created_at": requested,
        "submitted_at": requested,
    }
    plan.up = up
    plan.events.append(("requested", Status.NEW, Status.REQUESTED, requested, doctor))
    if outcome in (Status.REQUESTED, Status.INFO_REQUESTED):
        up["status"] = outcome
        if outcome == Status.INFO_REQUESTED:
            up["info_question"] = "请补充检查结果"
            plan.events.append(("info_requested", Status.REQUESTED, outcome, requested + decision_delay / 2, admin))
        return plan
    if outcome == "rejected":
        up.update(status=Status.REJECTED, decided_at=decided, decided_by=admin)
        up.update(reject_reason=rng.choice(RejectReason.values), decision_note="见备注")
        plan.events.append(("rejected", Status.REQUESTED, Status.REJECTED, decided, admin))
        return plan
    up.update(decided_at=decided, decided_by=admin)
    window_end = decided + timedelta(hours={"emergency": 2, "urgent": 8, "routine": 48}[urgency])
    plan.reservation = {
        "department": department,
        "reserved_by": admin,
        "reserved_at": decided,
        "window_start": decided,
        "window_end": window_end,
    }
    plan.events.append(("approved", Status.REQUESTED, Status.APPROVED, decided, admin))
    if outcome == Status.APPROVED:
        up["status"] = Status.APPROVED
        plan.reservation["window_end"] = max(window_end, now + timedelta(hours=2))
        return plan
    if outcome == "expired":
        up.update(status=Status.EXPIRED, expired_at=window_end)
        plan.reservation.update(ended_at=window_end, outcome="expired")
        plan.events.append(("expired", Status.APPROVED, Status.EXPIRED, window_end, None))
        return plan
    departed = decided + timedelta(minutes=rng.uniform(10, 120))
    up["departed_at"] = departed
    plan.events.append(("departed", Status.APPROVED, Status.DEPARTED, departed, doctor))
    if outcome == Status.DEPARTED:
        up["status"] = Status.DEPARTED
        plan.reservation["window_end"] = max(window_end, now + timedelta(hours=2))
        return plan
    if outcome == "cancelled":
        up.update(status=Status.CANCELLED, cancelled_at=departed, cancel_reason="家属改变主意")
        plan.reservation.update(ended_at=departed, outcome="cancelled")
        plan.events.append(("cancelled", Status.DEPARTED, Status.CANCELLED, departed, doctor))
        return plan
    arrived = departed + timedelta(minutes=rng.uniform(20, 180))
    up.update(arrived_at=arrived, arrival_confirmed_by=admin)
    plan.reservation.update(ended_at=arrived, outcome="arrived")
    plan.events.append(("arrived", Status.DEPARTED, Status.ARRIVED, arrived, admin))
    if outcome == Status.ARRIVED:
        up["status"] = Status.ARRIVED
        return plan
    discharged = min(arrived + timedelta(days=rng.uniform(2, 12)), now - timedelta(hours=1))
    up.update(status=Status.DISCHARGED, discharged_at=discharged)
    plan.events.append(("discharged", Status.ARRIVED, Status.DISCHARGED, discharged, specialist))
    if outcome == "discharged":
        return plan
    down = {
        "public_id": uuid.uuid5(NAMESPACE, f"down-{serial}"),
        "kind": Kind.FOLLOW_UP,
        "direction": "down",
        "patient_id": patient_id,
        "sending_hospital": department.hospital,
        "sending_department": department,
        "requested_by": specialist,
        "receiving_hospital": hospital,
        "receiving_department_id": doctor.department_id,
        "urgency": "routine",
        "reason": Reason.FOLLOW_UP,
        "diagnosis": up["diagnosis"],
        "discharge_summary": "好转出院",
        "medicines": "按医嘱",
        "created_at": discharged,
        "submitted_at": discharged,
    }
    plan.down = down
    plan.down_events.append(("down_referred", Status.NEW, Status.SENT, discharged, specialist))
    acknowledged = discharged + timedelta(days=rng.uniform(0.2, 3))
    items = [("门诊复查", discharged + timedelta(days=7)), ("复查检查", discharged + timedelta(days=30))]
    if acknowledged > now:
        down["status"] = Status.SENT
        plan.items = [(text, due, "pending") for text, due in items]
        return plan
    down.update(acknowledged_at=acknowledged, acknowledged_by=doctor)
    plan.down_events.append(("acknowledged", Status.SENT, Status.ACKNOWLEDGED, acknowledged, doctor))
    states = []
    for text, due in items:
        if due > now:
            states.append((text, due, "pending"))
        else:
            states.append((text, due, "done" if rng.random() < 0.8 else "missed"))
    plan.items = states
    if all(state != "pending" for _t, _d, state in states):
        completed = max(due for _t, due, _s in states)
        down.update(status=Status.COMPLETED, completed_at=completed)
        plan.down_events.append(("completed", Status.ACKNOWLEDGED, Status.COMPLETED, completed, doctor))
    else:
        down["status"] = Status.ACKNOWLEDGED
    return plan


def _insert(plans: list[_Plan]) -> int:
    referral_type = ContentType.objects.get_for_model(Referral)
    with transaction.atomic():
        ups = Referral.objects.bulk_create([Referral(**plan.up) for plan in plans])
        downs = {
            index: Referral(**plan.down, up_referral=up)
            for index, (plan, up) in enumerate(zip(plans, ups, strict=True))
            if plan.down is not None
        }
        Referral.objects.bulk_create(list(downs.values()))
        events, reservations, items, grants = [], [], [], []
        for index, (plan, up) in enumerate(zip(plans, ups, strict=True)):
            down = downs.get(index)
            for kind, source, target, at, actor in plan.events:
                events.append(
                    ReferralEvent(referral=up, kind=kind, from_status=source, to_status=target, at=at, actor=actor)
                )
            for kind, source, target, at, actor in plan.down_events:
                events.append(
                    ReferralEvent(referral=down, kind=kind, from_status=source, to_status=target, at=at, actor=actor)
                )
            if plan.reservation is not None:
                reservations.append(BedReservation(referral=up, **plan.reservation))
            for text, due, state in plan.items:
                items.append(FollowUpItem(referral=down, description=text, due_on=timezone.localdate(due), state=state))
            grants.append(
                CareTeamGrant(
                    patient_id=up.patient_id,
                    hospital=up.receiving_hospital,
                    reason="Receiving a transfer request",
                    source_type=referral_type,
                    source_id=up.pk,
                    granted_by=up.requested_by,
                    granted_at=up.submitted_at,
                )
            )
        ReferralEvent.objects.bulk_create(events)
        BedReservation.objects.bulk_create(reservations)
        FollowUpItem.objects.bulk_create(items)
        CareTeamGrant.objects.bulk_create(grants)
    return len(ups)
