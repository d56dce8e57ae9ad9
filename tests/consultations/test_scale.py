"""consultations/demo/scale.py: volume for the benchmark (a small factor here), consistent rows,
idempotent."""

from __future__ import annotations

import io

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db.models import F
from django.utils import timezone

from cloudpeds.accounts.models import User
from cloudpeds.patients.demo import scale as patient_scale
from cloudpeds.patients.models import CareTeamGrant
from consultations.demo import scale
from consultations.forms.metrics import MetricsFilterForm
from consultations.metrics import compute
from consultations.models import OPEN_STATUSES, Consultation, ConsultationEvent, Status

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo() -> None:
    call_command("seed_demo", stdout=io.StringIO())
    patient_scale.seed_scale(io.StringIO(), factor=0.01)


def scale_cases():
    return Consultation.objects.filter(patient__record_number__startswith=scale.PATIENT_PREFIX)


def test_scale_consultations_are_consistent_and_idempotent(demo):
    out = io.StringIO()
    scale.seed_scale(out, factor=0.01)

    assert "Scale consultations: 1000 created" in out.getvalue()
    cases = scale_cases()
    assert cases.count() == 1000
    assert set(cases.values_list("status", flat=True)) == set(Status.values)
    assert cases.filter(status=Status.CLOSED).count() > 600
    # Every case is about a child registered before it was sent.
    assert not cases.filter(submitted_at__lte=F("patient__created_at")).exists()
    assert not cases.filter(submitted_at__gt=timezone.now()).exists()
    answered = cases.filter(answered_at__isnull=False)
    assert not answered.filter(answered_at__lte=F("submitted_at") + F("paused_total")).exists()
    assert not answered.filter(assigned_to__isnull=True).exists()
    assert not answered.exclude(assigned_to__department=F("department")).exists()
    assert answered.filter(paused_total__gt="0").exists()
    closed = cases.filter(status=Status.CLOSED)
    assert not closed.filter(usefulness__isnull=True).exists()
    assert not closed.filter(closed_at__lt=F("answered_at")).exists()
    # The open cases have their events and the specialist's question; the taken ones a grant.
    for case in cases.filter(status__in=OPEN_STATUSES):
        assert list(case.events.values_list("to_status", flat=True))[-1] == case.status
    for case in cases.filter(status=Status.INFO_REQUESTED):
        assert case.messages.get(is_info_request=True).created_at == case.paused_since
    assert cases.filter(overdue_at__isnull=False, status__in=OPEN_STATUSES).exists()
    grants = CareTeamGrant.objects.filter(source_type=ContentType.objects.get_for_model(Consultation))
    assert grants.filter(source_id__in=cases.values("pk")).count() == cases.filter(assigned_to__isnull=False).count()
    # Every Xinhua specialty is asked and answered, by one of its specialists.
    assert cases.values("department").distinct().count() == 8
    resp = User.objects.get(username="spec.resp")
    assert Consultation.objects.visible_to(resp).queue_for(resp.department).filter(pk__in=cases.values("pk")).exists()
    figures = compute(User.objects.get(username="director"), MetricsFilterForm().filters()).overall
    assert figures.answered > 500 and 0.8 < figures.within_target < 1

    events = ConsultationEvent.objects.count()
    again = io.StringIO()
    scale.seed_scale(again, factor=0.01)
    assert "Scale consultations: 1000 already there." in again.getvalue()
    assert scale_cases().count() == 1000 and ConsultationEvent.objects.count() == events


def test_without_a_group_it_says_so():
    out = io.StringIO()
    scale.seed_scale(out, factor=0.01)
    assert "seed_demo" in out.getvalue()
