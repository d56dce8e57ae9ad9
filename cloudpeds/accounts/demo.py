"""Demo group: Xinhua and four district hospitals, their departments and demo accounts.

Run through `manage.py seed_demo`; every step is idempotent (keyed by code or username).
"""

from __future__ import annotations

from dataclasses import dataclass

from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from django.conf import settings
from django.db import transaction

from .models import Department, Hospital, TitleGrade, User
from .roles import DOCTOR_ROLES, Role

S = Department.Specialty

HOSPITALS = [
    # code, Chinese name, English name, district, level
    ("xinhua", "上海交通大学医学院附属新华医院", "Xinhua Hospital", "杨浦区", Hospital.Level.LEAD),
    ("yangpu", "杨浦区中心医院", "Yangpu District Central Hospital", "杨浦区", Hospital.Level.DISTRICT),
    ("baoshan", "宝山区中心医院", "Baoshan District Central Hospital", "宝山区", Hospital.Level.DISTRICT),
    ("hongkou", "虹口区中心医院", "Hongkou District Central Hospital", "虹口区", Hospital.Level.DISTRICT),
    ("chongming", "崇明区中心医院", "Chongming District Central Hospital", "崇明区", Hospital.Level.DISTRICT),
]

XINHUA_DEPARTMENTS = [
    (S.GENERAL_PEDIATRICS, "儿内科", "General Pediatrics", 60),
    (S.RESPIRATORY, "小儿呼吸科", "Pediatric Respiratory Medicine", 48),
    (S.NEONATOLOGY, "新生儿科", "Neonatology", 40),
    (S.CARDIOLOGY, "小儿心血管科", "Pediatric Cardiology", 30),
    (S.GASTROENTEROLOGY, "小儿消化科", "Pediatric Gastroenterology", 30),
    (S.NEUROLOGY, "小儿神经科", "Pediatric Neurology", 32),
    (S.INFECTIOUS_DISEASES, "小儿感染科", "Pediatric Infectious Diseases", 36),
    (S.PICU, "儿童重症监护室", "Pediatric Intensive Care Unit", 20),
]

DISTRICT_DEPARTMENTS = [
    (S.GENERAL_PEDIATRICS, "儿科", "Pediatrics", 20),
    (S.GENERAL_PRACTICE, "全科医学科", "General Practice", 12),
]


@dataclass(frozen=True)
class DemoAccount:
    username: str
    last_name: str
    first_name: str
    hospital: str
    specialty: str | None
    title: str
    roles: tuple[str, ...]
    description: str
    totp_secret: str = ""
    is_staff: bool = False


# Fixed TOTP secrets so that a person can add the demo accounts that see patient data (doctors,
# specialists, administrators) to any authenticator app; they are demo credentials, printed
# by seed_demo and listed in the README. `manage.py demo_totp <username>` prints the current code.
DEMO_ACCOUNTS = [
    DemoAccount(
        "dr.yangpu",
        "王",
        "丽",
        "yangpu",
        S.GENERAL_PEDIATRICS,
        "主治医师",
        (Role.GRASSROOTS_DOCTOR,),
        "grassroots pediatrician, Yangpu",
        totp_secret="KGVU6EA4IYFAWFXNZDMZLA75DTDEWPCM",
    ),
    DemoAccount(
        "dr.chongming",
        "陈",
        "建国",
        "chongming",
        S.GENERAL_PRACTICE,
        "全科主治医师",
        (Role.GRASSROOTS_DOCTOR,),
        "general practitioner, Chongming",
        totp_secret="MXOEF2EBDP3PWACTNAQLKAQC4EWJSOOU",
    ),
    DemoAccount(
        "dr.baoshan",
        "郑",
        "红",
        "baoshan",
        S.GENERAL_PEDIATRICS,
        "主治医师",
        (Role.GRASSROOTS_DOCTOR,),
        "grassroots pediatrician, Baoshan",
        totp_secret="ZU55UV5POZIZNZWHESURUGSN3UP6TFAS",
    ),
    DemoAccount(
        "dr.hongkou",
        "何",
        "伟",
        "hongkou",
        S.GENERAL_PRACTICE,
        "全科主治医师",
        (Role.GRASSROOTS_DOCTOR,),
        "general practitioner, Hongkou",
        totp_secret="WCE5LRULO2UVOOXMNBI4ZLDEPQOMOMXZ",
    ),
    DemoAccount(
        "spec.resp",
        "李",
        "明华",
        "xinhua",
        S.RESPIRATORY,
        "主任医师",
        (Role.SPECIALIST,),
        "specialist, Xinhua respiratory",
        totp_secret="IZLAEAZI6TM4NX7EELLDMWUS5BKJ6BCL",
    ),
    DemoAccount(
        "spec.neuro",
        "张",
        "静",
        "xinhua",
        S.NEUROLOGY,
        "副主任医师",
        (Role.SPECIALIST,),
        "specialist, Xinhua neurology",
        totp_secret="A2QQJVIOMPBJTERCUMWWGJHLKTG62YIQ",
    ),
    DemoAccount(
        "admin.xinhua",
        "刘",
        "强",
        "xinhua",
        None,
        "医务处",
        (Role.TRANSFER_ADMIN,),
        "transfer administrator, Xinhua",
        totp_secret="VXXIASQ4ETXOHIDTGO3GP3N7QNTGQFJP",
    ),
    DemoAccount(
        "admin.yangpu",
        "赵",
        "敏",
        "yangpu",
        None,
        "医务科",
        (Role.TRANSFER_ADMIN,),
        "transfer administrator, Yangpu",
        totp_secret="DNQHAKEP4IEDUTDFTGLWGDO6AUBQV6RK",
    ),
    DemoAccount("trainer", "孙", "悦", "xinhua", None, "继续教育办公室", (Role.TRAINING_MANAGER,), "training manager"),
    DemoAccount(
        "editor", "周", "文", "xinhua", S.GENERAL_PEDIATRICS, "主任医师", (Role.HANDBOOK_EDITOR,), "handbook editor"
    ),
    # Clinical safety (临床安全审核员): own the pathways' reference cases; two of them, because a
    # change to a reference case needs a second reviewer's approval.
    DemoAccount(
        "safety",
        "蒋",
        "立平",
        "xinhua",
        S.GENERAL_PEDIATRICS,
        "主任医师",
        (Role.CLINICAL_SAFETY,),
        "clinical-safety reviewer (reference cases)",
        totp_secret="ARPE3ABUKZ2MFQNMFKIUDF7LZ5UTYAFH",
    ),
    DemoAccount(
        "safety2",
        "许",
        "晓燕",
        "xinhua",
        S.PICU,
        "副主任医师",
        (Role.CLINICAL_SAFETY,),
        "second clinical-safety reviewer",
        totp_secret="QO6WMTKIBO6NN6N7KAEO6N4L73HCGJA5",
    ),
    DemoAccount(
        "director",
        "吴",
        "志刚",
        "xinhua",
        None,
        "医联体办公室主任",
        (Role.GROUP_ADMIN,),
        "group administrator",
        totp_secret="RIXB3R42AUEXQCSN5WRFZ5IILQOVZLWU",
        is_staff=True,
    ),
    # The security log's two readers (等保 三级 separation of duties): neither grants rights.
    DemoAccount(
        "auditor",
        "钱",
        "慧",
        "xinhua",
        None,
        "审计管理员",
        (Role.AUDIT_ADMIN,),
        "audit administrator (security log, export)",
        totp_secret="AFFSZ3PFOUEYUSID2L4OAKXSNJZK5R7M",
    ),
    DemoAccount(
        "secadmin",
        "冯",
        "涛",
        "xinhua",
        None,
        "安全管理员",
        (Role.SECURITY_ADMIN,),
        "security administrator (security log)",
        totp_secret="5GYVJTXKCYHH7E35QDTVXCEBVDWCWX4I",
    ),
]


def _grade(title: str) -> str:
    for text, grade in (
        ("副主任", TitleGrade.ASSOCIATE_CHIEF),
        ("主任医师", TitleGrade.CHIEF),
        ("主治", TitleGrade.ATTENDING),
        ("住院", TitleGrade.RESIDENT),
    ):
        if text in title:
            return grade
    return ""


def _verify_doctors() -> None:
    """The doctors' licence numbers (invented: 15 digits, the current format, no real
    person's) and titles, verified by the director as a group administrator would."""
    director = User.objects.get(username="director")
    for serial, account in enumerate(DEMO_ACCOUNTS, start=1):
        if not set(account.roles) & DOCTOR_ROLES:
            continue
        user = User.objects.get(username=account.username)
        if user.qualification_verified:
            continue
        user.title_grade = _grade(account.title)
        user.licence_number = f"1103100000{serial:05d}"
        user.save(update_fields=["title_grade", "licence_number"])
        user.verify_qualification(director)


@transaction.atomic
def seed(stdout) -> None:
    hospitals = {}
    for code, name_zh, name_en, district, level in HOSPITALS:
        hospitals[code], _ = Hospital.objects.update_or_create(
            code=code, defaults={"name_zh": name_zh, "name_en": name_en, "district": district, "level": level}
        )
    for code, hospital in hospitals.items():
        departments = XINHUA_DEPARTMENTS if code == "xinhua" else DISTRICT_DEPARTMENTS
        for specialty, name_zh, name_en, beds in departments:
            Department.objects.update_or_create(
                hospital=hospital,
                specialty=specialty,
                defaults={"name_zh": name_zh, "name_en": name_en, "bed_count": beds},
            )

    for account in DEMO_ACCOUNTS:
        hospital = hospitals[account.hospital]
        department = (
            Department.objects.get(hospital=hospital, specialty=account.specialty) if account.specialty else None
        )
        user, created = User.objects.update_or_create(
            username=account.username,
            defaults={
                "last_name": account.last_name,
                "first_name": account.first_name,
                "email": f"{account.username}@demo.cloudpeds.example",
                "hospital": hospital,
                "department": department,
                "title": account.title,
                "is_staff": account.is_staff,
            },
        )
        if created:
            user.set_password(settings.DEMO_PASSWORD)
            user.save(update_fields=["password"])
        user.set_roles(*account.roles)
        if account.totp_secret and not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
            TOTP.activate(user, account.totp_secret)
            RecoveryCodes.activate(user)

    _verify_doctors()

    stdout.write("Demo accounts (password: DEMO_PASSWORD, default 'cloudpeds-demo'):")
    for account in DEMO_ACCOUNTS:
        totp = f"  TOTP secret {account.totp_secret}" if account.totp_secret else ""
        stdout.write(f"  {account.username:<14} {account.description}{totp}")
