from __future__ import annotations

import factory
from factory.django import DjangoModelFactory

from cloudpeds.accounts.models import Department, Hospital, User

PASSWORD = "correct-horse-battery"


class HospitalFactory(DjangoModelFactory):
    class Meta:
        model = Hospital
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"h{n}")
    name_zh = factory.LazyAttribute(lambda o: f"{o.code}区中心医院")
    name_en = factory.LazyAttribute(lambda o: f"{o.code.title()} District Hospital")
    district = factory.Faker("city_name", locale="zh_CN")
    level = Hospital.Level.DISTRICT


class DepartmentFactory(DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ("hospital", "specialty")

    hospital = factory.SubFactory(HospitalFactory)
    specialty = Department.Specialty.GENERAL_PEDIATRICS
    name_zh = "儿科"
    name_en = "Pediatrics"
    bed_count = 20


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    last_name = factory.Faker("last_name", locale="zh_CN")
    first_name = factory.Faker("first_name", locale="zh_CN")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    hospital = factory.SubFactory(HospitalFactory)
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def roles(self, create: bool, extracted: list[str] | None, **kwargs) -> None:
        if create and extracted:
            self.set_roles(*extracted)


class PatientFactory(DjangoModelFactory):
    """A child registered at a hospital, with one guardian and sharing consent by default."""

    class Meta:
        model = "patients.Patient"
        skip_postgeneration_save = True

    hospital = factory.SubFactory(HospitalFactory)
    record_number = factory.Sequence(lambda n: f"MRN{n:07d}")
    name = factory.Faker("name", locale="zh_CN")
    sex = "female"
    date_of_birth = factory.Faker("date_between", start_date="-12y", end_date="-1d")
    registered_by = factory.SubFactory(UserFactory, hospital=factory.SelfAttribute("..hospital"))

    @factory.post_generation
    def guardians(self, create: bool, extracted, **kwargs) -> None:
        if create and extracted is None:
            self.guardians.create(name="李红", relation="mother", phone="13800138000")

    @factory.post_generation
    def consent(self, create: bool, extracted, **kwargs) -> None:
        # Pass consent=False for a child whose guardian has not agreed to sharing.
        if create and extracted is not False:
            self.consents.create(given_by="李红", relation="mother", recorded_by=self.registered_by)


class AccessEventFactory(DjangoModelFactory):
    """One read of a child's record by a user of the registering hospital (pass `at=` to date it)."""

    class Meta:
        model = "audit.AccessEvent"

    patient = factory.SubFactory(PatientFactory)
    user = factory.SubFactory(UserFactory, hospital=factory.SelfAttribute("..patient.hospital"))
    action = "view"
    object_type = "patients.patient"
    object_id = factory.LazyAttribute(lambda o: str(o.patient.public_id))
    path = factory.LazyAttribute(lambda o: f"/patients/{o.patient.public_id}/")
    ip_address = "10.20.30.40"


class NotificationFactory(DjangoModelFactory):
    """An inbox row; email not wanted unless a test says otherwise (use notify() to test sending)."""

    class Meta:
        model = "notifications.Notification"

    recipient = factory.SubFactory(UserFactory)
    kind = "patient.shared"
    context = factory.Dict({})
    email_status = "not_wanted"


def _small_png_upload():
    from io import BytesIO

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    out = BytesIO()
    Image.new("RGB", (64, 48), (205, 92, 92)).save(out, "PNG")
    return SimpleUploadedFile("皮疹.png", out.getvalue(), content_type="image/png")


class AttachmentFactory(DjangoModelFactory):
    """A clinical file on a child's record, stored through the real upload path (a small PNG
    by default; pass `upload=SimpleUploadedFile(...)` for another file). It writes to the
    default storage: point STORAGES at a tmp_path first (see tests/attachments/conftest.py)."""

    class Meta:
        model = "attachments.Attachment"

    patient = factory.SubFactory(PatientFactory)
    uploaded_by = factory.LazyAttribute(lambda o: o.patient.registered_by)
    kind = "photo"
    description = "左前臂皮疹"
    upload = factory.LazyFunction(_small_png_upload)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return model_class.objects.create_from_upload(**kwargs)


def _hours_ago(hours: float):
    from django.utils import timezone

    return timezone.now() - _hours(hours)


def _hours(hours: float):
    from datetime import timedelta

    return timedelta(hours=hours)


class ConsultationFactory(DjangoModelFactory):
    """A consultation written straight into any state: no transition runs, nothing is notified.

    By default a case waiting for a specialist, sent by the child's registering doctor to
    Xinhua's respiratory department (the `specialist` fixture's, reused if it exists).
    Traits fill a state's fields: `ConsultationFactory(answered=True, assigned_to=specialist)`
    or `closed=True`; set the timestamps (submitted_at, answered_at, paused_total, ...) for
    figures that depend on them.
    Workflow tests should create a draft and call the model's transitions instead.
    """

    class Meta:
        model = "consultations.Consultation"

    class Params:
        answered = factory.Trait(
            status="answered",
            submitted_at=factory.LazyFunction(lambda: _hours_ago(5)),
            claimed_at=factory.LazyFunction(lambda: _hours_ago(4)),
            answered_at=factory.LazyFunction(lambda: _hours_ago(2)),
            assessment="考虑社区获得性肺炎, 轻症",
            recommendation="manage_locally",
            plan="阿莫西林口服, 三天后复诊",
            family_advice="多饮水, 注意体温变化",
            follow_up_days=3,
        )
        closed = factory.Trait(
            answered=True,
            status="closed",
            closed_at=factory.LazyFunction(lambda: _hours_ago(1)),
            advice_adopted="fully",
            referral_avoided=True,
            usefulness=5,
        )

    patient = factory.SubFactory(PatientFactory)
    requesting_hospital = factory.SelfAttribute("patient.hospital")
    requested_by = factory.SelfAttribute("patient.registered_by")
    department = factory.SubFactory(
        DepartmentFactory,
        hospital=factory.SubFactory(
            HospitalFactory, code="xinhua", name_zh="新华医院", name_en="Xinhua Hospital", level=Hospital.Level.LEAD
        ),
        specialty="respiratory",
        name_zh="小儿呼吸科",
        name_en="Pediatric Respiratory",
    )
    urgency = "routine"
    status = "submitted"
    question = "发热三天, 咳嗽加重, 是否需要转诊?"
    symptoms = "发热、咳嗽"
    submitted_at = factory.LazyFunction(lambda: _hours_ago(5))
    due_at = factory.LazyAttribute(lambda o: o.submitted_at + _hours(48) if o.submitted_at else None)


class TopicFactory(DjangoModelFactory):
    """A handbook topic with no version yet (see tests/handbook/conftest.py to publish one)."""

    class Meta:
        model = "handbook.Topic"
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"topic-{n}")
    symptom = "fever"
    age_bands = factory.LazyFunction(lambda: ["child"])
    created_by = factory.SubFactory(UserFactory)


class TopicVersionFactory(DjangoModelFactory):
    """A draft version of a topic, with no sections (the workflow methods add them)."""

    class Meta:
        model = "handbook.TopicVersion"

    topic = factory.SubFactory(TopicFactory)
    number = factory.Sequence(lambda n: n + 1)
    title_zh = factory.LazyAttribute(lambda o: f"主题{o.number}")
    title_en = factory.LazyAttribute(lambda o: f"Topic {o.number}")
    author = factory.SubFactory(UserFactory)


class DrugFactory(DjangoModelFactory):
    """A drug for the dosing calculator, with no formulation or rule (add them with the two below)."""

    class Meta:
        model = "handbook.Drug"
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"drug-{n}")
    name_zh = "对乙酰氨基酚"
    name_en = "Paracetamol"


class FormulationFactory(DjangoModelFactory):
    """120 mg in 5 ml (24 mg/ml) unless told otherwise."""

    class Meta:
        model = "handbook.Formulation"

    drug = factory.SubFactory(DrugFactory)
    name_zh = "口服混悬液 120 mg/5 ml"
    name_en = "oral suspension 120 mg/5 ml"
    strength_mg = 120
    volume_ml = 5


class DosingRuleFactory(DjangoModelFactory):
    """15 mg/kg per dose, at most 1000 mg, 4 times a day, no minimum age unless told otherwise."""

    class Meta:
        model = "handbook.DosingRule"

    drug = factory.SubFactory(DrugFactory)
    mg_per_kg = 15
    max_dose_mg = 1000
    doses_per_day = 4


# --- Training: courses (the courses engineer) --------------------------------------------------


