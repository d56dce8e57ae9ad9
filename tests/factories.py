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
