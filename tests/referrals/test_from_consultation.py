"""referrals:new_from_consultation — a referral pre-filled from a consultation's answer."""

from __future__ import annotations

from uuid import uuid4

import pytest
from django.urls import reverse
from django.utils import timezone

from consultations.models import Consultation
from referrals.models import Diagnosis, Referral

pytestmark = pytest.mark.django_db


@pytest.fixture
def consultation(doctor, patient, respiratory, specialist):
    return Consultation.objects.create(
        patient=patient,
        requesting_hospital=doctor.hospital,
        requested_by=doctor,
        department=respiratory,
        urgency="urgent",
        status="answered",
        question="是否需要住院？",
        history="发热4天，咳嗽",
        temperature_c="39.5",
        spo2=92,
        tried_so_far="口服阿莫西林3天",
        assigned_to=specialist,
        assessment="重症肺炎可能",
        recommendation="transfer_urgently",
        plan="立即转诊",
        submitted_at=timezone.now(),
        answered_at=timezone.now(),
    )


def _url(consultation) -> str:
    return reverse("referrals:new_from_consultation", args=[consultation.public_id])


def test_form_is_prefilled_from_the_answer(client, doctor, consultation, respiratory):
    client.force_login(doctor)
    response = client.get(_url(consultation))
    assert response.status_code == 200
    initial = response.context["form"].initial
    assert initial["receiving_department"] == respiratory.pk
    assert initial["urgency"] == "urgent"
    assert initial["spo2"] == 92
    assert "重症肺炎可能" in initial["clinical_summary"]
    assert 'data-testid="from-consultation"' in response.content.decode()


def _request(respiratory) -> dict:
    """An urgent transfer to Xinhua's respiratory department, as the pre-filled form posts it."""
    return {
        "request_id": str(uuid4()),
        "direction": "up",
        "receiving_hospital": respiratory.hospital_id,
        "receiving_department": respiratory.pk,
        "urgency": "urgent",
        "reason": "needs_specialist",
        "diagnosis": Diagnosis.objects.get(code="J18.9").pk,
        "clinical_summary": "见会诊",
        "transport": "ambulance",
    }


def test_posting_stores_the_consultation(client, doctor, consultation, respiratory):
    client.force_login(doctor)
    data = _request(respiratory)
    response = client.post(_url(consultation), data)
    referral = Referral.objects.get()
    assert response.status_code == 302
    assert referral.consultation == consultation

    # The consultation now links to the referral instead of offering to refer again.
    body = client.get(consultation.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-testid="start-referral"' not in body
    assert 'data-testid="open-referral"' in body
    assert f'href="{referral.get_absolute_url()}"' in body


def test_once_referred_the_form_leads_to_the_referral_and_makes_no_second(client, doctor, consultation, respiratory):
    client.force_login(doctor)
    data = _request(respiratory)
    client.post(_url(consultation), data)
    referral = Referral.objects.get()

    response = client.get(_url(consultation), HTTP_ACCEPT_LANGUAGE="en")
    again = client.post(_url(consultation), {**data, "request_id": str(uuid4())})

    assert response.status_code == 302
    assert response.url == referral.get_absolute_url()
    assert again.status_code == 302
    assert again.url == referral.get_absolute_url()
    assert Referral.objects.count() == 1


def test_before_a_referral_the_consultation_offers_one(client, doctor, consultation):
    client.force_login(doctor)
    body = client.get(consultation.get_absolute_url()).content.decode()
    assert 'data-testid="start-referral"' in body
    assert 'data-testid="open-referral"' not in body


def test_an_answer_that_does_not_recommend_referral_sends_back(client, doctor, consultation):
    Consultation.objects.filter(pk=consultation.pk).update(recommendation="manage_locally")
    client.force_login(doctor)
    response = client.get(_url(consultation))
    assert response.status_code == 302
    assert response.url == consultation.get_absolute_url()


def test_the_answering_specialist_does_not_refer(client, specialist, consultation):
    client.force_login(specialist)
    assert client.get(_url(consultation)).status_code == 403


def test_another_hospital_gets_404(client, outsider, consultation):
    client.force_login(outsider)
    assert client.get(_url(consultation)).status_code == 404
    assert client.get(reverse("referrals:new_from_consultation", args=[uuid4()])).status_code == 404


def test_wrong_method(client, doctor, consultation):
    client.force_login(doctor)
    assert client.delete(_url(consultation)).status_code == 405
