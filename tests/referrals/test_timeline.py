"""The child's timeline shows the whole loop: consultation, up-referral, arrival, discharge,
down-referral, follow-ups — to those who may see each referral."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cloudpeds.patients.timeline import entries_for
from referrals.timeline import timeline_entries

pytestmark = pytest.mark.django_db


def test_the_whole_chain_in_order(down_referral, doctor, patient):
    down_referral.acknowledge(doctor)
    item = down_referral.follow_ups.first()
    down_referral.record_follow_up(doctor, item, done=True)
    kinds = [entry.kind for entry in sorted(timeline_entries(patient, doctor), key=lambda entry: entry.at)]
    assert kinds == [
        "referral.requested",
        "referral.approved",
        "referral.departed",
        "referral.arrived",
        "referral.discharged",
        "referral.down_referred",
        "referral.acknowledged",
        "referral.follow_up_done",
    ]
    assert all(entry.url.startswith("/referrals/") for entry in timeline_entries(patient, doctor))


def test_the_patient_page_merges_the_entries(client, doctor, referral, patient):
    assert "referral.requested" in [entry.kind for entry in entries_for(patient, doctor)]
    client.force_login(doctor)
    assert client.get(reverse("patients:detail", args=[patient.public_id])).status_code == 200


def test_another_hospital_sees_nothing(referral, outsider, patient):
    assert timeline_entries(patient, outsider) == []
