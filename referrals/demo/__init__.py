"""Demo referrals for `manage.py seed_demo` (after the accounts' and patients' demos).

Every state of the workflow, both directions, and the whole loop for 王小明 (Yangpu → Xinhua
respiratory → discharged with a down-referral → acknowledged, one follow-up done and one past
its date). Each scenario runs through the model's transitions as the demo accounts, so events,
reservations, beds, grants and inbox rows are all real; then its moments are moved into the
past so the pages read like a working week. Demo emails are not sent.

Idempotent: a scenario is keyed by the fixed id of its first referral and made once, in one
transaction. Children come from cloudpeds/patients/demo/__init__.py; without them the referrals demo
is skipped with a message.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from importlib import import_module

from django.apps import apps as django_apps
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from cloudpeds.accounts.models import Department, User
from cloudpeds.notifications.models import Notification
from cloudpeds.patients.models import CareTeamGrant, Patient

from ..models import (
    BedReservation,
    BedState,
    Diagnosis,
    FollowUpItem,
    Referral,
    ReferralEvent,
    Status,
)

NAMESPACE = uuid.UUID("6f1f7a43-3c55-4c1e-9d9f-2b8f2f7f0a11")
ACCOUNTS = ("dr.yangpu", "dr.chongming", "spec.resp", "spec.neuro", "admin.xinhua", "admin.yangpu")

# Occupied beds of the demo group's departments (of bed_count in cloudpeds/accounts/demo.py):
# Xinhua's PICU is nearly full, so the capacity page has something to say.
CENSUS = {
    ("xinhua", "respiratory"): 41,
    ("xinhua", "neonatology"): 35,
    ("xinhua", "picu"): 18,
    ("xinhua", "general_pediatrics"): 52,
    ("xinhua", "neurology"): 25,
    ("xinhua", "gastroenterology"): 22,
    ("yangpu", "general_pediatrics"): 14,
    ("chongming", "general_pediatrics"): 9,
}


def load_icd10_subset() -> int:
    """Load the pediatric ICD-10 subset of the data migration (idempotent). A database
    flushed after migrating (transactional tests) has lost it; the demo needs it."""
    migration = import_module("referrals.migrations.0002_pediatric_icd10_subset")
    migration.load(django_apps, None)
    return len(migration.DIAGNOSES)


@dataclass
class Step:
    # request, info, provide, redirect, approve, reject, depart, arrive, cancel, expire, down, ack, done, missed
    action: str
    hours_ago: float
    by: str
    args: dict = field(default_factory=dict)


@dataclass
class Scenario:
    key: str
    record_number: str
    sender: str
    department: tuple[str, str]
    urgency: str
    reason: str
    diagnosis: str
    summary: str
    steps: list[Step]
    transport: str = "own"
    vitals: dict = field(default_factory=dict)
    treatment: str = ""


SCENARIOS = [
    Scenario(
        "loop-wang-xiaoming",
        "YP2025000101",
        "dr.yangpu",
        ("xinhua", "respiratory"),
        "urgent",
        "needs_specialist",
        "J18.9",
        "发热5天，咳嗽加重2天，气促。查体：双肺湿啰音，右下肺呼吸音减低。胸片示右下肺大片状影。",
        [
            Step("request", 24 * 16, "dr.yangpu"),
            Step("approve", 24 * 16 - 1.5, "admin.xinhua", {"note": "请直接到呼吸科病房"}),
            Step("depart", 24 * 16 - 2.5, "dr.yangpu"),
            Step("arrive", 24 * 16 - 3.5, "spec.resp"),
            Step(
                "down",
                24 * 9,
                "spec.resp",
                {
                    "summary": (
                        "重症肺炎（右下肺）。入院后予头孢曲松联合阿奇霉素抗感染7天，"
                        "体温第3天恢复正常，复查胸片病灶明显吸收，一般情况好，予出院。"
                    ),
                    "medicines": "阿莫西林克拉维酸钾 228.5mg 口服 每日2次 ×5天\n布地奈德雾化 1mg 每日2次 ×7天",
                    "follow_ups": [("社区门诊复查：肺部听诊、体温", 7), ("复查胸片", 8)],
                },
            ),
            Step("ack", 24 * 8.5, "dr.yangpu"),
            Step("done", 24 * 2, "dr.yangpu", {"note": "肺部啰音消失，体温正常"}),
        ],
        transport="ambulance",
        vitals={"temperature_c": "39.4", "heart_rate": 142, "respiratory_rate": 48, "spo2": 91, "weight_kg": "15.20"},
        treatment="口服阿莫西林3天，布洛芬退热",
    ),
    Scenario(
        "emergency-li-xinyi",
        "YP2025000102",
        "dr.yangpu",
        ("xinhua", "general_pediatrics"),
        "emergency",
        "needs_specialist",
        "P59.9",
        "生后5天，皮肤黄染进行性加重，经皮胆红素 18.6 mg/dL，吃奶减少。",
        [
            Step("request", 0.8, "dr.yangpu"),
            Step("redirect", 0.6, "admin.xinhua", {"department": "neonatology", "note": "新生儿转新生儿科"}),
        ],
        transport="ambulance_doctor",
        vitals={"temperature_c": "36.9", "heart_rate": 150, "respiratory_rate": 46, "spo2": 97, "weight_kg": "2.90"},
        treatment="蓝光治疗准备，鼓励喂养",
    ),
    Scenario(
        "arrived-zhang-zihao",
        "YP2025000103",
        "dr.yangpu",
        ("xinhua", "respiratory"),
        "urgent",
        "not_improving",
        "J46",
        "哮喘急性发作，雾化沙丁胺醇3次后仍喘息明显，三凹征阳性。",
        [
            Step("request", 50, "dr.yangpu"),
            Step("approve", 49, "admin.xinhua"),
            Step("depart", 48.5, "dr.yangpu"),
            Step("arrive", 47.5, "spec.resp"),
        ],
        transport="ambulance",
        vitals={"respiratory_rate": 38, "heart_rate": 128, "spo2": 92, "weight_kg": "24.80"},
        treatment="沙丁胺醇雾化×3，甲泼尼龙静滴",
    ),
    Scenario(
        "rejected-liu-yutong",
        "YP2025000104",
        "dr.yangpu",
        ("xinhua", "gastroenterology"),
        "routine",
        "family_request",
        "K59.0",
        "反复便秘2个月，家长要求上级医院检查。一般情况好，生长发育正常。",
        [
            Step("request", 24 * 20, "dr.yangpu"),
            Step(
                "reject",
                24 * 20 - 5,
                "admin.xinhua",
                {"reason": "inappropriate", "comment": "建议先在社区调整饮食并随访，必要时预约专科门诊。"},
            ),
        ],
    ),
    Scenario(
        "down-sent-liu-yutong",
        "YP2025000104",
        "dr.yangpu",
        ("xinhua", "gastroenterology"),
        "urgent",
        "diagnostic_workup",
        "K35.8",
        "右下腹痛12小时，麦氏点压痛，白细胞 16.8×10⁹/L，需外科评估。",
        [
            Step("request", 24 * 6, "dr.yangpu"),
            Step("approve", 24 * 6 - 1, "admin.xinhua"),
            Step("arrive", 24 * 6 - 3, "admin.xinhua"),
            Step(
                "down",
                20,
                "spec.resp",
                {
                    "summary": "急性阑尾炎，腹腔镜阑尾切除术后第4天，切口愈合好，进食正常。",
                    "medicines": "无",
                    "follow_ups": [("切口检查", 3), ("门诊复查腹痛情况", 14)],
                },
            ),
        ],
        transport="ambulance",
    ),
    Scenario(
        "approved-yang-zihan",
        "YP2025000106",
        "dr.yangpu",
        ("xinhua", "respiratory"),
        "routine",
        "diagnostic_workup",
        "J18.0",
        "反复肺炎3次，需行胸部CT及支气管镜检查。",
        [Step("request", 26, "dr.yangpu"), Step("approve", 3, "admin.xinhua", {"window_hours": 30})],
    ),
    Scenario(
        "cancelled-zhao-yiming",
        "YP2025000107",
        "dr.yangpu",
        ("xinhua", "respiratory"),
        "urgent",
        "not_improving",
        "J45.9",
        "哮喘发作，雾化后仍有喘息。",
        [
            Step("request", 24 * 3, "dr.yangpu"),
            Step("approve", 24 * 3 - 1, "admin.xinhua"),
            Step(
                "cancel", 24 * 3 - 2, "dr.yangpu", {"reason": "雾化及激素治疗后症状明显缓解，家属决定在本院继续治疗。"}
            ),
        ],
    ),
    Scenario(
        "completed-huang-shiqi",
        "CM2025000201",
        "dr.chongming",
        ("xinhua", "neurology"),
        "urgent",
        "needs_specialist",
        "R56.0",
        "发热伴惊厥1次，持续约8分钟，惊厥后嗜睡。",
        [
            Step("request", 24 * 60, "dr.chongming"),
            Step("approve", 24 * 60 - 2, "admin.xinhua"),
            Step("depart", 24 * 60 - 3, "dr.chongming"),
            Step("arrive", 24 * 60 - 5, "spec.neuro"),
            Step(
                "down",
                24 * 55,
                "spec.neuro",
                {
                    "summary": "复杂性热性惊厥。脑电图未见明显异常，头颅MRI正常。退热后未再发作。",
                    "medicines": "发热时布洛芬 10mg/kg",
                    "follow_ups": [("门诊随访，告知家长惊厥处理", 7), ("复查脑电图", 30)],
                },
            ),
            Step("ack", 24 * 54, "dr.chongming"),
            Step("done", 24 * 47, "dr.chongming", {"note": "家长已掌握惊厥处理"}),
            Step("done", 24 * 25, "dr.chongming", {"note": "脑电图正常"}),
        ],
        transport="ambulance",
    ),
    Scenario(
        "departed-zhou-junjie",
        "CM2025000202",
        "dr.chongming",
        ("xinhua", "neonatology"),
        "emergency",
        "needs_intensive_care",
        "J21.0",
        "早产儿（35周），生后40天，咳嗽3天，呼吸急促，呼吸暂停1次。RSV抗原阳性。",
        [
            Step("request", 3, "dr.chongming"),
            Step("approve", 2.6, "admin.xinhua", {"window_hours": 3}),
            Step("depart", 2.2, "dr.chongming"),
        ],
        transport="ambulance_doctor",
        vitals={"respiratory_rate": 72, "heart_rate": 176, "spo2": 88, "weight_kg": "3.80"},
        treatment="鼻导管吸氧 1L/min",
    ),
    Scenario(
        "expired-xu-kexin",
        "CM2025000204",
        "dr.chongming",
        ("xinhua", "general_pediatrics"),
        "routine",
        "diagnostic_workup",
        "D50.9",
        "面色苍白2个月，血红蛋白 82 g/L，需进一步检查贫血原因。",
        [
            Step("request", 24 * 12, "dr.chongming"),
            Step("approve", 24 * 11, "admin.xinhua"),
            Step("expire", 24 * 9, ""),
        ],
    ),
    Scenario(
        "info-xu-kexin",
        "CM2025000204",
        "dr.chongming",
        ("xinhua", "general_pediatrics"),
        "urgent",
        "needs_specialist",
        "D69.3",
        "皮肤瘀点瘀斑3天，血小板 18×10⁹/L，无活动性出血。",
        [
            Step("request", 5, "dr.chongming"),
            Step("info", 4, "admin.xinhua", {"question": "请补充外周血涂片结果及近期用药、疫苗接种史。"}),
        ],
    ),
]

# Which referral field each step's moment goes into (besides its event row).
_STEP_FIELDS = {
    "request": ("created_at", "submitted_at"),
    "approve": ("decided_at",),
    "reject": ("decided_at",),
    "depart": ("departed_at",),
    "arrive": ("arrived_at",),
    "cancel": ("cancelled_at",),
    "expire": ("expired_at",),
    "ack": ("acknowledged_at",),
}


def seed(stdout) -> None:
    load_icd10_subset()
    users = {user.username: user for user in User.objects.filter(username__in=ACCOUNTS)}
    missing = set(ACCOUNTS) - users.keys()
    if missing:
        stdout.write(f"Demo referrals: skipped (no demo account {', '.join(sorted(missing))}).")
        return
    children = {patient.record_number: patient for patient in Patient.objects.filter(record_number__in=_records())}
    if not children:
        stdout.write("Demo referrals: skipped (no demo children: run the patients' demo first).")
        return
    _census(users["admin.xinhua"])
    created = existing = skipped = 0
    for scenario in SCENARIOS:
        public_id = uuid.uuid5(NAMESPACE, scenario.key)
        if Referral.objects.filter(public_id=public_id).exists():
            existing += 1
            continue
        patient = children.get(scenario.record_number)
        if patient is None or Referral.objects.open().filter(patient=patient).exists():
            skipped += 1
            continue
        _play(scenario, public_id, patient, users)
        created += 1
    stdout.write(
        f"Demo referrals: {created} created, {existing} already there"
        + (f", {skipped} skipped (child missing or with an open referral)" if skipped else "")
        + "."
    )


def _records() -> set[str]:
    return {scenario.record_number for scenario in SCENARIOS}


def _census(admin: User) -> None:
    for (hospital, specialty), occupied in CENSUS.items():
        department = Department.objects.filter(hospital__code=hospital, specialty=specialty).first()
        if department is None:
            continue
        state = BedState.objects.filter(department=department).first()
        if state is None or state.updated_by_id is None:
            # The demo's census once; a person's later update is kept.
            if department.hospital.code == "xinhua":
                BedState(department=department).set_occupied(admin, min(occupied, department.bed_count))
            else:
                BedState.objects.update_or_create(department=department, defaults={"occupied": occupied})


@transaction.atomic
def _play(scenario: Scenario, public_id: uuid.UUID, patient: Patient, users: dict[str, User]) -> None:
    now = timezone.now()
    first_notification = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    hospital_code, specialty = scenario.department
    department = Department.objects.get(hospital__code=hospital_code, specialty=specialty)
    referral: Referral | None = None
    down: Referral | None = None
    for step in scenario.steps:
        at = now - timedelta(hours=step.hours_ago)
        user = users.get(step.by)
        target = down if step.action in ("ack", "done", "missed") else referral
        if step.action == "request":
            referral = Referral(
                public_id=public_id,
                patient=patient,
                direction="up",
                receiving_hospital=department.hospital,
                receiving_department=department,
                urgency=scenario.urgency,
                reason=scenario.reason,
                diagnosis=Diagnosis.objects.filter(code=scenario.diagnosis).first(),
                clinical_summary=scenario.summary,
                treatment_given=scenario.treatment,
                transport=scenario.transport,
                **scenario.vitals,
            )
            referral.send_request(user)
            target = referral
        elif step.action == "info":
            referral.request_info(user, step.args["question"])
        elif step.action == "redirect":
            new = Department.objects.get(hospital=department.hospital, specialty=step.args["department"])
            referral.redirect(user, new, step.args.get("note", ""))
        elif step.action == "approve":
            hours = step.args.get("window_hours", 4)
            # The window starts at the (backdated) approval; it must end in the future to
            # be accepted now, and is moved back below with the other moments.
            referral.approve(
                user, window_start=now, window_end=now + timedelta(hours=hours), note=step.args.get("note", "")
            )
            BedReservation.objects.filter(referral=referral).update(
                reserved_at=at, window_start=at, window_end=at + timedelta(hours=hours)
            )
        elif step.action == "reject":
            referral.reject(user, step.args["reason"], step.args.get("comment", ""))
        elif step.action == "depart":
            referral.mark_departed(user)
        elif step.action == "arrive":
            referral.confirm_arrival(user)
        elif step.action == "cancel":
            referral.cancel(user, step.args["reason"])
        elif step.action == "expire":
            Referral.expire_reservation(referral.pk, now=now + timedelta(days=365))
            referral.refresh_from_db()
        elif step.action == "down":
            today = timezone.localdate(at)
            down = referral.refer_down(
                user,
                receiving_hospital=referral.sending_hospital,
                receiving_department=referral.sending_department,
                diagnosis=referral.diagnosis,
                discharge_summary=step.args["summary"],
                medicines=step.args.get("medicines", ""),
                follow_ups=[
                    (text, max(timezone.localdate(), today + timedelta(days=days)))
                    for text, days in step.args["follow_ups"]
                ],
            )
            _backdate(referral, "discharged", at, ("discharged_at",))
            # The plan is dated from the discharge, even where that is now in the past.
            for item, (_text, days) in zip(down.follow_ups.order_by("pk"), step.args["follow_ups"], strict=True):
                FollowUpItem.objects.filter(pk=item.pk).update(due_on=today + timedelta(days=days))
            target = down
            _backdate(down, "down_referred", at, ("created_at", "submitted_at"))
            continue
        elif step.action == "ack":
            down.acknowledge(user)
        elif step.action in ("done", "missed"):
            item = down.follow_ups.filter(state=FollowUpItem.State.PENDING).order_by("due_on", "pk").first()
            down.record_follow_up(user, item, done=step.action == "done", note=step.args.get("note", ""))
            FollowUpItem.objects.filter(pk=item.pk).update(recorded_at=at)
        kind = {
            "request": "requested",
            "info": "info_requested",
            "redirect": "redirected",
            "approve": "approved",
            "reject": "rejected",
            "depart": "departed",
            "arrive": "arrived",
            "cancel": "cancelled",
            "expire": "expired",
            "ack": "acknowledged",
            "done": "follow_up_done",
            "missed": "follow_up_missed",
        }[step.action]
        _backdate(target, kind, at, _STEP_FIELDS.get(step.action, ()))
        if step.action in ("done", "missed") and down.status == Status.COMPLETED:
            _backdate(down, "completed", at, ("completed_at",))
    # Demo data: the inbox rows stay (the accounts have something to read), no email goes out.
    Notification.objects.filter(pk__gt=first_notification).update(email_status=Notification.EmailStatus.NOT_WANTED)


def _backdate(referral: Referral, kind: str, at: datetime, fields: tuple[str, ...]) -> None:
    event = ReferralEvent.objects.filter(referral=referral, kind=kind).order_by("-pk").first()
    if event is not None:
        ReferralEvent.objects.filter(pk=event.pk).update(at=at)
    if fields:
        Referral.objects.filter(pk=referral.pk).update(**dict.fromkeys(fields, at))
    if kind == "requested":
        CareTeamGrant.objects.filter(
            source_type=ContentType.objects.get_for_model(Referral), source_id=referral.pk
        ).update(granted_at=at)
