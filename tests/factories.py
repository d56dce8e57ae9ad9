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

    @factory.post_generation
    def qualified(self, create: bool, extracted, **kwargs) -> None:
        # Specialists come verified (licence, 主任医师, by a group administrator) unless a
        # test passes qualified=False: only verified specialists take cases (issue 15).
        if not create or extracted is False or self.qualification_verified_at:
            return
        # Not has_role(): it caches the roles on the instance, which a test may change later.
        if not self.groups.filter(name="specialist").exists():
            return
        from django.utils import timezone

        type(self).objects.filter(pk=self.pk).update(
            title_grade=self.title_grade or "chief",
            licence_number=self.licence_number or f"11031{self.pk:010d}",
            qualification_verified_at=timezone.now(),
        )
        self.refresh_from_db(fields=["title_grade", "licence_number", "qualification_verified_at"])


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

    @factory.post_generation
    def service_consent(self, create: bool, extracted, **kwargs) -> None:
        # The remote-service consent (issue 15), signed by the mother (and, from 14, by the
        # teenager). Pass service_consent=False for a child whose guardian has not signed it.
        if create and extracted is not False:
            from cloudpeds.patients.models import ServiceConsent

            self.service_consents.create(
                text_version="RS-2026.1",
                guardian_name="李红",
                guardian_relation="mother",
                teen_agreed=ServiceConsent.needs_teen(self),
                method="tablet",
                recorded_by=self.registered_by,
            )


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
    # Sent under the child's remote-service consent, as submit() does (none for a draft).
    service_consent = factory.LazyAttribute(
        lambda o: None if o.status == "draft" else o.patient.service_consents.filter(withdrawn_at__isnull=True).first()
    )


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


class CourseFactory(DjangoModelFactory):
    """A published course (pass status="draft" for a draft) with no module yet."""

    class Meta:
        model = "training.Course"
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"course-{n}")
    title_zh = factory.Sequence(lambda n: f"课程{n}")
    title_en = factory.Sequence(lambda n: f"Course {n}")
    description_zh = "继续教育课程"
    description_en = "A continuing-education course"
    credit_hours = "2.0"
    credit_class = "II"
    status = "published"
    created_by = factory.SubFactory(UserFactory)


class ModuleFactory(DjangoModelFactory):
    class Meta:
        model = "training.Module"

    course = factory.SubFactory(CourseFactory)
    order = factory.Sequence(lambda n: n + 1)
    title_zh = factory.Sequence(lambda n: f"模块{n}")
    title_en = factory.Sequence(lambda n: f"Module {n}")


class LessonFactory(DjangoModelFactory):
    """A reading lesson unless told otherwise (kind="video" with video_duration_seconds)."""

    class Meta:
        model = "training.Lesson"

    module = factory.SubFactory(ModuleFactory)
    order = factory.Sequence(lambda n: n + 1)
    kind = "reading"
    title_zh = factory.Sequence(lambda n: f"课时{n}")
    title_en = factory.Sequence(lambda n: f"Lesson {n}")
    reading_markdown_zh = "发热是指腋温 37.5 °C 或以上。"
    reading_markdown_en = "Fever means an axillary temperature of 37.5 °C or above."


class EnrolmentFactory(DjangoModelFactory):
    class Meta:
        model = "training.Enrolment"

    course = factory.SubFactory(CourseFactory)
    user = factory.SubFactory(UserFactory)
    source = "manager"


# --- Training: exams and certificates (the exams engineer) ---------------------------------------


class QuestionCategoryFactory(DjangoModelFactory):
    class Meta:
        model = "training.QuestionCategory"

    course = factory.SubFactory(CourseFactory)
    code = factory.Sequence(lambda n: f"category-{n}")
    name_zh = factory.Sequence(lambda n: f"类别{n}")
    name_en = factory.Sequence(lambda n: f"Category {n}")
    position = factory.Sequence(lambda n: n)


class QuestionFactory(DjangoModelFactory):
    """A single-choice question with four options, the first one correct (pass
    options=[(zh, en, is_correct), ...] for others)."""

    class Meta:
        model = "training.Question"
        skip_postgeneration_save = True

    category = factory.SubFactory(QuestionCategoryFactory)
    course = factory.SelfAttribute("category.course")
    kind = "single"
    text_zh = factory.Sequence(lambda n: f"题目{n}")
    text_en = factory.Sequence(lambda n: f"Question {n}")
    explanation_zh = "解析"
    explanation_en = "Explanation"

    @factory.post_generation
    def options(self, create: bool, extracted, **kwargs) -> None:
        if not create:
            return
        if extracted is None:
            if self.kind == "true_false":
                extracted = [("正确", "True", True), ("错误", "False", False)]
            else:
                extracted = [(f"选项{n}", f"Option {n}", n == 1) for n in range(1, 5)]
        self.set_options(extracted)


class ExamFactory(DjangoModelFactory):
    """A draft exam (30 minutes, pass mark 80%, 3 attempts, 60 minutes between them)."""

    class Meta:
        model = "training.Exam"
        django_get_or_create = ("course",)

    course = factory.SubFactory(CourseFactory)


def exam_with_bank(
    course=None, *, categories: int = 2, per_category: int = 5, draw: int = 3, publish: bool = True, **settings
):
    """An exam whose bank has `categories` categories of `per_category` single-choice
    questions (the first option correct), drawing `draw` from each."""
    from training.models import ExamDrawRule

    course = course or CourseFactory()
    exam = ExamFactory(course=course, **settings)
    for _index in range(categories):
        category = QuestionCategoryFactory(course=course)
        QuestionFactory.create_batch(per_category, category=category)
        ExamDrawRule.objects.create(exam=exam, category=category, count=draw)
    if publish:
        exam.status = "published"
        exam.save(update_fields=["status"])
    return exam


def completed_enrolment(course, user):
    """The learner enrolled and finished every lesson (what the exam requires)."""
    return EnrolmentFactory(course=course, user=user, completed_at=_hours_ago(0))


class CertificateFactory(DjangoModelFactory):
    """A valid certificate issued now, for three years, with no attempt behind it."""

    class Meta:
        model = "training.Certificate"

    course = factory.SubFactory(CourseFactory)
    holder = factory.SubFactory(UserFactory)
    holder_name = factory.LazyAttribute(lambda o: o.holder.display_name)
    course_title_zh = factory.LazyAttribute(lambda o: o.course.title_zh)
    course_title_en = factory.LazyAttribute(lambda o: o.course.title_en)
    credit_hours = factory.LazyAttribute(lambda o: o.course.credit_hours)
    credit_class = factory.LazyAttribute(lambda o: o.course.credit_class)
    score_percent = "90.00"
    issued_at = factory.LazyFunction(lambda: _hours_ago(0))
    expires_on = factory.LazyAttribute(lambda o: _months_after(o.issued_at, 36))


def _months_after(moment, months: int):
    from django.utils import timezone

    from training.models import add_months

    return add_months(timezone.localdate(moment), months)
