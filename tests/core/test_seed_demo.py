from __future__ import annotations

import io

import pytest
from allauth.mfa.models import Authenticator
from django.apps import apps
from django.contrib.auth.models import Group
from django.core.management import call_command

from cloudpeds.accounts.models import Department, Hospital, User

pytestmark = pytest.mark.django_db

DEMO_USERNAMES = {
    "dr.yangpu",
    "dr.chongming",
    "dr.baoshan",
    "dr.hongkou",
    "spec.resp",
    "spec.neuro",
    "admin.xinhua",
    "admin.yangpu",
    "trainer",
    "editor",
    "director",
}


def _snapshot() -> dict[str, list]:
    """Every row of every project table (history tables excluded), as comparable values."""
    snapshot = {}
    for model in apps.get_models():
        if model._meta.app_label in {"sessions", "pghistory"} or model.__name__.endswith("Event"):
            continue
        if model._meta.app_label == "audit":
            continue
        fields = [f.attname for f in model._meta.concrete_fields if f.attname not in {"last_login", "updated_at"}]
        snapshot[model._meta.label] = sorted(map(repr, model.objects.values_list(*fields)))
    return snapshot


def test_seed_demo_twice_gives_the_same_rows():
    call_command("seed_demo", stdout=io.StringIO())
    first = _snapshot()

    call_command("seed_demo", stdout=io.StringIO())

    assert _snapshot() == first


def test_seed_demo_creates_the_group_and_accounts():
    out = io.StringIO()
    call_command("seed_demo", stdout=out)

    assert set(Hospital.objects.values_list("code", flat=True)) >= {
        "xinhua",
        "yangpu",
        "baoshan",
        "hongkou",
        "chongming",
    }
    xinhua_specialties = set(Department.objects.filter(hospital__code="xinhua").values_list("specialty", flat=True))
    assert xinhua_specialties >= {
        "respiratory",
        "neonatology",
        "cardiology",
        "gastroenterology",
        "neurology",
        "infectious_diseases",
        "picu",
        "general_pediatrics",
    }
    for code in ["yangpu", "baoshan", "hongkou", "chongming"]:
        assert set(Department.objects.filter(hospital__code=code).values_list("specialty", flat=True)) == {
            "general_pediatrics",
            "general_practice",
        }
    assert set(User.objects.values_list("username", flat=True)) >= DEMO_USERNAMES
    printed = out.getvalue()
    for username in DEMO_USERNAMES:
        assert username in printed


def test_demo_accounts_have_their_roles_password_and_two_factor(settings):
    call_command("seed_demo", stdout=io.StringIO())

    assert User.objects.get(username="dr.yangpu").has_role("grassroots_doctor")
    assert User.objects.get(username="spec.neuro").department.specialty == "neurology"
    assert User.objects.get(username="director").has_role("group_admin")
    for username in DEMO_USERNAMES:
        assert User.objects.get(username=username).check_password(settings.DEMO_PASSWORD)
    # Everyone who sees patient data has two-factor, with the secret seed_demo prints.
    for username in [
        "admin.xinhua",
        "admin.yangpu",
        "director",
        "dr.yangpu",
        "dr.chongming",
        "spec.resp",
        "spec.neuro",
    ]:
        assert Authenticator.objects.filter(user__username=username, type=Authenticator.Type.TOTP).exists()
    assert Group.objects.filter(name="group_admin").get().permissions.filter(codename="change_user").exists()
