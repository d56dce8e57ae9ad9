"""A notification is read in its reader's language, whoever caused it and whenever it was
written (issue 12: "a child aged 17个月22天" in English). Rows store parameters (codes,
`_zh`/`_en` pairs, nothing the target holds); rows written before stored text in the
actor's language, and the apps' data migrations turned that text into the same parameters.
"""

from __future__ import annotations

import importlib
import re

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone, translation

from cloudpeds.notifications.email import render_email
from cloudpeds.notifications.models import Notification
from consultations.models import Consultation
from referrals.models import Diagnosis, Referral, Transport, Urgency

from ..factories import ConsultationFactory, NotificationFactory, TopicVersionFactory

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u3400-\u9fff\uff00-\uffef]")


def _reads(person, language: str) -> None:
    person.preferred_language = language
    person.save(update_fields=["preferred_language"])


def _rendered(notification: Notification) -> list[str]:
    """What the reader sees: the inbox line and the email (which never names the child), with
    the people's names taken out (a Chinese name is a name in English too)."""
    notification = Notification.objects.select_related("recipient", "actor").get(pk=notification.pk)
    subject, text, html = render_email(notification.kind, notification.template_context(), notification.language)
    names = [person.display_name for person in (notification.recipient, notification.actor) if person]
    parts = [notification.subject(), subject, text, html]
    for name in names:
        parts = [part.replace(name, "NAME") for part in parts]
    return parts


def _english_only(parts: list[str]) -> None:
    for part in parts:
        assert not CJK.search(part), CJK.findall(part)


def _declined_by_a_chinese_speaker(specialist, child) -> Notification:
    consultation = ConsultationFactory(patient=child, department=specialist.department)
    with translation.override("zh-hans"):
        consultation.decline(specialist, "outside_specialty")
    return Notification.objects.get(kind="consultations.declined")


def _rejected_by_a_chinese_speaker(doctor, child, specialist, transfer_admin) -> Notification:
    referral = Referral(
        patient=child,
        direction="up",
        receiving_hospital=specialist.hospital,
        receiving_department=specialist.department,
        urgency=Urgency.URGENT,
        reason="needs_specialist",
        diagnosis=Diagnosis.objects.get(code="J18.9"),
        clinical_summary="发热3天，咳嗽加重",
        transport=Transport.AMBULANCE,
    )
    with translation.override("zh-hans"):
        referral.send_request(doctor)
        referral.reject(transfer_admin, "no_capacity")
    return Notification.objects.get(kind="referrals.rejected")


def test_new_rows_store_parameters_not_the_actors_text(doctor, specialist, transfer_admin, child):
    declined = _declined_by_a_chinese_speaker(specialist, child)
    rejected = _rejected_by_a_chinese_speaker(doctor, child, specialist, transfer_admin)
    requested = Notification.objects.get(kind="referrals.requested", recipient=transfer_admin)

    assert declined.context == {"reason_zh": "不属于本专科范围", "reason_en": "Outside this specialty"}
    assert rejected.context == {"reason_zh": "无接收能力", "reason_en": "No capacity"}
    assert requested.context["department_zh"] == "小儿呼吸科"
    assert requested.context["department_en"] == "Pediatric Respiratory"
    assert requested.context["direction_en"] == "Up to a higher-level hospital"
    for row in (declined, rejected, requested):
        assert not {"patient_age", "urgency", "sending_hospital", "receiving_hospital", "department"} & set(row.context)


def test_new_rows_read_in_english_have_no_chinese(doctor, specialist, transfer_admin, child):
    _reads(doctor, "en")
    _reads(transfer_admin, "en")
    declined = _declined_by_a_chinese_speaker(specialist, child)
    rejected = _rejected_by_a_chinese_speaker(doctor, child, specialist, transfer_admin)
    requested = Notification.objects.get(kind="referrals.requested", recipient=transfer_admin)

    with translation.override("en"):
        age = child.age_display(timezone.localdate())
    for notification, words in (
        (declined, "Outside this specialty"),
        (rejected, "No capacity"),
        (requested, "Pediatric Respiratory"),
    ):
        parts = _rendered(notification)
        _english_only(parts)
        assert age in parts[0]
        assert words in parts[2]


def test_new_rows_read_in_chinese_have_no_english_labels(doctor, specialist, transfer_admin, child):
    _reads(doctor, "zh-hans")
    _reads(transfer_admin, "zh-hans")
    with translation.override("en"):
        declined = _declined_by_a_chinese_speaker(specialist, child)
        rejected = _rejected_by_a_chinese_speaker(doctor, child, specialist, transfer_admin)
    requested = Notification.objects.get(kind="referrals.requested", recipient=transfer_admin)

    with translation.override("zh-hans"):
        age = child.age_display(timezone.localdate())
    for notification, chinese, english in (
        (declined, "不属于本专科范围", "Outside this specialty"),
        (rejected, "无接收能力", "No capacity"),
        (requested, "小儿呼吸科", "Pediatric Respiratory"),
    ):
        parts = _rendered(notification)
        assert age in parts[0]
        assert chinese in parts[2]
        for part in parts:
            assert english not in part
            assert "month" not in part and "Urgent" not in part and "Xinhua Hospital" not in part


def _migrate(app: str, name: str) -> None:
    importlib.import_module(f"{app}.migrations.{name}").forwards(apps, None)


@pytest.fixture
def old_rows(doctor, specialist, transfer_admin, child):
    """Rows as they were stored before: text in the language of whoever caused them."""
    consultation = ConsultationFactory(patient=child, department=specialist.department, status="declined")
    referral = Referral.objects.create(
        patient=child,
        sending_hospital=doctor.hospital,
        receiving_hospital=specialist.hospital,
        receiving_department=specialist.department,
        requested_by=doctor,
        direction="up",
        urgency="urgent",
        transport="ambulance",
    )
    declined = NotificationFactory(
        recipient=doctor,
        kind="consultations.declined",
        target=consultation,
        context={"patient_age": "1岁5个月", "reason": "不属于本专科范围"},
    )
    requested = NotificationFactory(
        recipient=transfer_admin,
        kind="referrals.requested",
        target=referral,
        context={
            "patient_age": "1岁5个月",
            "urgency": "紧急",
            "sending_hospital": doctor.hospital.name_zh,
            "receiving_hospital": specialist.hospital.name_zh,
            "department": "小儿呼吸科",
            "direction": "上转至上级医院",
        },
    )
    rejected = NotificationFactory(
        recipient=doctor,
        kind="referrals.rejected",
        target=referral,
        context={"patient_age": "1 year 5 months", "urgency": "Urgent", "reason": "No capacity"},
    )
    _migrate("consultations", "0011_notification_parameters")
    _migrate("referrals", "0007_notification_parameters")
    return declined, requested, rejected


def test_old_rows_are_migrated_to_parameters(old_rows):
    declined, requested, rejected = (Notification.objects.get(pk=row.pk) for row in old_rows)

    assert declined.context == {"reason_zh": "不属于本专科范围", "reason_en": "Outside this specialty"}
    assert requested.context == {
        "department_zh": "小儿呼吸科",
        "department_en": "Pediatric Respiratory",
        "direction_zh": "上转至上级医院",
        "direction_en": "Up to a higher-level hospital",
    }
    assert rejected.context == {"reason_zh": "无接收能力", "reason_en": "No capacity"}


def test_old_rows_read_in_english_have_no_chinese(old_rows, doctor, transfer_admin):
    _reads(doctor, "en")
    _reads(transfer_admin, "en")
    for notification in old_rows:
        _english_only(_rendered(notification))


def test_old_rows_read_in_chinese_have_no_english_labels(old_rows, doctor, transfer_admin):
    _reads(doctor, "zh-hans")
    _reads(transfer_admin, "zh-hans")
    declined, requested, rejected = old_rows

    assert "不属于本专科范围" in _rendered(declined)[2]
    assert "小儿呼吸科" in _rendered(requested)[2]
    assert "无接收能力" in _rendered(rejected)[2]
    for part in _rendered(rejected):
        assert "No capacity" not in part and "year" not in part and "Urgent" not in part


def test_an_old_row_whose_case_is_gone_keeps_its_text(doctor):
    row = NotificationFactory(
        recipient=doctor,
        kind="consultations.declined",
        target_type=ContentType.objects.get_for_model(Consultation),
        target_id=987654,
        context={"patient_age": "3岁", "reason": "Other"},
    )
    _migrate("consultations", "0011_notification_parameters")

    # The age has nothing to be rendered from; the reason is known in both languages.
    assert Notification.objects.get(pk=row.pk).context == {
        "patient_age": "3岁",
        "reason_zh": "其他",
        "reason_en": "Other",
    }


def test_an_old_superseded_topic_row_gets_its_two_titles(doctor):
    version = TopicVersionFactory(title_zh="发热", title_en="Fever")
    _reads(doctor, "en")
    row = NotificationFactory(
        recipient=doctor,
        kind="handbook.version_superseded",
        target=version,
        context={"topic": "发热 / Fever", "old_number": 1, "new_number": 2, "citations": []},
    )
    _migrate("handbook", "0009_notification_parameters")

    row.refresh_from_db()
    assert row.context == {"topic_zh": "发热", "topic_en": "Fever", "old_number": 1, "new_number": 2, "citations": []}
    assert "Handbook topic Fever has a new version" in row.subject()
    _english_only(_rendered(row))
