"""Sharing reasons stored in Chinese by earlier versions read in the reader's language once
migrated (patients 0006): the English timeline said "Record shared … / 接收转诊申请"."""

from __future__ import annotations

import importlib

from django.apps import apps

from cloudpeds.patients.models import CareTeamGrant

migration = importlib.import_module("cloudpeds.patients.migrations.0006_share_reasons_in_english")


def _old_grant(patient, baoshan, doctor, reason: str) -> CareTeamGrant:
    # As stored before grants kept the English source text: the Chinese of the request.
    return CareTeamGrant.objects.create(patient=patient, hospital=baoshan, reason=reason, granted_by=doctor)


def test_chinese_reasons_become_their_english_source_and_read_in_each_language(
    doctor_client, doctor, patient, baoshan
) -> None:
    grant = _old_grant(patient, baoshan, doctor, "接收转诊申请")
    other = _old_grant(patient, baoshan, doctor, "家长要求转院")  # not a reason the portal gives: left

    migration.reasons_in_english(apps, None)

    grant.refresh_from_db()
    other.refresh_from_db()
    assert (grant.reason, other.reason) == ("Receiving a transfer request", "家长要求转院")
    english = doctor_client.get(f"/patients/{patient.public_id}/").content.decode()
    assert "Receiving a transfer request" in english
    assert "接收转诊申请" not in english

    doctor.preferred_language = "zh-hans"
    doctor.save(update_fields=["preferred_language"])
    chinese = doctor_client.get(f"/patients/{patient.public_id}/").content.decode()
    assert "接收转诊申请" in chinese
    assert "Receiving a transfer request" not in chinese


def test_every_reason_the_portal_gives_has_a_chinese_translation() -> None:
    from django.utils import translation

    with translation.override("zh-hans"):
        assert all(translation.gettext(reason) != reason for reason in migration.REASONS)
