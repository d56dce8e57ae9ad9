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
