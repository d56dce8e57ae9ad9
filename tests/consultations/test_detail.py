"""The case page: /consultations/<id>/ for the requesting hospital and the specialists asked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from cloudpeds.accounts.roles import Role
from cloudpeds.audit.models import AccessEvent
from consultations.models import ConsultationEvent
from tests.conftest import enroll_totp
from tests.factories import AttachmentFactory, ConsultationFactory, DepartmentFactory, PatientFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def patient(doctor):
    """About 18 months old: fast breathing is 40 or more."""
    return PatientFactory(
        hospital=doctor.hospital,
        registered_by=doctor,
        name="李小花",
        record_number="YP0042",
        sex="female",
        date_of_birth=timezone.localdate() - timedelta(days=550),
        allergies="头孢过敏",
    )


@pytest.fixture
def consultation(patient, specialist):
    return ConsultationFactory(
        patient=patient,
        department=specialist.department,
        urgency="urgent",
        question="是否需要转诊?",
        history="发热两天",
        allergies="头孢过敏",
        temperature_c=Decimal("38.4"),
        respiratory_rate=48,
        spo2=97,
        weight_kg=Decimal("10.5"),
        current_medicines="对乙酰氨基酚",
        tried_so_far="物理降温",
    )


def _url(consultation) -> str:
    return f"/consultations/{consultation.public_id}/"


def test_the_requesting_doctor_sees_the_whole_case(client, doctor, consultation, patient) -> None:
    client.force_login(doctor)

    response = client.get(_url(consultation))

    assert response.status_code == 200
    body = response.content.decode()
    for text in ("李小花", "YP0042", patient.age_display(), "Female", "是否需要转诊?", "发热两天", "对乙酰氨基酚"):
        assert text in body
    assert 'data-testid="allergies"' in body and "头孢过敏" in body
    assert "Waiting for a specialist" in body
    assert "Urgent (answer within 4 hours)" in body
    assert consultation.due_at.astimezone(timezone.get_current_timezone()).strftime("%Y-%m-%d %H:%M") in body


def test_viewing_the_case_is_logged(client, doctor, consultation) -> None:
    client.force_login(doctor)

    client.get(_url(consultation))

    event = AccessEvent.objects.get()
    assert (event.user, event.patient, event.action) == (doctor, consultation.patient, "view")
    assert (event.object_type, event.object_id) == ("consultations.consultation", str(consultation.public_id))


def test_vital_signs_abnormal_for_age_are_highlighted(client, doctor, consultation) -> None:
    client.force_login(doctor)

    body = client.get(_url(consultation)).content.decode()
    readings = {reading.field: reading for reading in client.get(_url(consultation)).context["vitals"]}

    assert readings["temperature_c"].is_abnormal  # fever
    assert readings["respiratory_rate"].is_abnormal  # 48 at 18 months: fast breathing
    assert not readings["spo2"].is_abnormal
    assert not readings["weight_kg"].is_abnormal
    assert body.count('data-testid="abnormal"') == 2
    assert "abnormal for age" in body
    assert "fast breathing (40 or more from 12 months to 5 years)" in body


def test_the_department_specialist_sees_the_case_but_not_yet_the_files(client, specialist, consultation) -> None:
    AttachmentFactory(patient=consultation.patient, source=consultation)
    client.force_login(specialist)

    response = client.get(_url(consultation))

    assert response.status_code == 200
    body = response.content.decode()
    assert "是否需要转诊?" in body
    assert 'data-testid="files-hidden"' in body
    assert "/files/" not in body
    assert AccessEvent.objects.filter(user=specialist).count() == 1


def test_the_requesting_doctor_sees_thumbnails_through_the_attachments_views(client, doctor, consultation) -> None:
    attachment = AttachmentFactory(patient=consultation.patient, source=consultation, uploaded_by=doctor)
    client.force_login(doctor)

    body = client.get(_url(consultation)).content.decode()

    assert f'src="/files/{attachment.public_id}/thumbnail/"' in body
    assert f'href="/files/{attachment.public_id}/download/"' in body


def test_after_claiming_the_specialist_sees_the_files(client, specialist, consultation) -> None:
    attachment = AttachmentFactory(patient=consultation.patient, source=consultation)
    consultation.claim(specialist)
    client.force_login(specialist)

    body = client.get(_url(consultation)).content.decode()

    assert f"/files/{attachment.public_id}/thumbnail/" in body


def test_a_specialist_of_another_department_gets_404(client, xinhua, consultation) -> None:
    neurology = DepartmentFactory(hospital=xinhua, specialty="neurology")
    neurologist = UserFactory(hospital=xinhua, department=neurology, roles=[Role.SPECIALIST])
    client.force_login(neurologist)

    assert client.get(_url(consultation)).status_code == 404
    assert not AccessEvent.objects.exists()


def test_another_hospitals_doctor_gets_404(client, outsider, consultation) -> None:
    client.force_login(outsider)

    assert client.get(_url(consultation)).status_code == 404
    assert not AccessEvent.objects.exists()


def test_people_without_a_clinical_role_get_403(client, yangpu, consultation) -> None:
    client.force_login(UserFactory(hospital=yangpu, roles=[Role.TRAINING_MANAGER]))

    assert client.get(_url(consultation)).status_code == 403
    assert not AccessEvent.objects.exists()


def test_a_transfer_administrator_of_the_hospital_gets_403(client, yangpu, consultation) -> None:
    admin = UserFactory(hospital=yangpu, roles=[Role.TRANSFER_ADMIN])
    enroll_totp(admin)
    client.force_login(admin)

    assert client.get(_url(consultation)).status_code == 403


def test_post_is_not_allowed(client, doctor, consultation) -> None:
    client.force_login(doctor)

    assert client.post(_url(consultation)).status_code == 405
    assert not AccessEvent.objects.exists()


def test_an_unknown_case_is_404(client, doctor) -> None:
    client.force_login(doctor)

    assert client.get("/consultations/00000000-0000-4000-8000-000000000000/").status_code == 404


def test_a_case_waiting_for_information_shows_the_question_the_pause_and_the_form(
    client, doctor, specialist, consultation
) -> None:
    consultation.claim(specialist)
    consultation.request_info(specialist, "请提供血常规结果")
    client.force_login(doctor)

    body = client.get(_url(consultation)).content.decode()

    assert 'data-testid="info-request"' in body and "请提供血常规结果" in body
    assert "Paused: waiting for information since" in body
    assert f'action="/consultations/{consultation.public_id}/information/"' in body


def test_the_specialist_sees_the_pause_but_no_answer_form(client, specialist, consultation) -> None:
    consultation.claim(specialist)
    consultation.request_info(specialist, "请提供血常规结果")
    client.force_login(specialist)

    body = client.get(_url(consultation)).content.decode()

    assert "请提供血常规结果" in body
    assert "/information/" not in body


def test_an_overdue_case_says_so(client, doctor, consultation) -> None:
    type(consultation).objects.filter(pk=consultation.pk).update(due_at=timezone.now() - timedelta(hours=3))
    client.force_login(doctor)

    body = client.get(_url(consultation)).content.decode()

    assert "Overdue by" in body
    assert "text-danger" in body


def test_time_left_is_shown_while_the_clock_runs(client, doctor, consultation) -> None:
    client.force_login(doctor)

    body = client.get(_url(consultation)).content.decode()

    assert 'data-testid="clock"' in body
    assert " left" in body


def test_the_answer_is_shown(client, doctor, specialist, consultation) -> None:
    consultation.claim(specialist)
    consultation.answer(
        specialist,
        assessment="轻症肺炎",
        recommendation="manage_locally",
        plan="阿莫西林",
        family_advice="多喝水",
        follow_up_days=3,
    )
    client.force_login(doctor)

    body = client.get(_url(consultation)).content.decode()

    for text in ("轻症肺炎", "阿莫西林", "多喝水", "In 3 days", "Manage locally with this plan"):
        assert text in body
    assert 'data-testid="start-referral"' not in body
    assert f'action="/consultations/{consultation.public_id}/close/"' in body


def test_a_referral_recommendation_offers_a_referral(client, doctor, specialist, consultation) -> None:
    consultation.claim(specialist)
    consultation.answer(
        specialist, assessment="重症", recommendation="refer", plan="转诊", family_advice="", follow_up_days=None
    )
    client.force_login(doctor)

    body = client.get(_url(consultation)).content.decode()

    assert 'data-testid="start-referral"' in body
    assert f'href="{reverse("referrals:new_from_consultation", args=[consultation.public_id])}"' in body


def test_the_other_panels_are_loaded_into_the_page(client, doctor, consultation) -> None:
    client.force_login(doctor)

    body = client.get(_url(consultation)).content.decode()

    for name, element_id in [
        ("consultations:specialist_panel", "specialist-panel"),
        ("consultations:report_panel", "report-panel"),
        ("consultations:conference_panel", "conference-panel"),
    ]:
        url = reverse(name, args=[consultation.public_id])
        assert f'<div id="{element_id}" hx-get="{url}" hx-trigger="load"></div>' in body


def test_a_case_started_from_the_handbook_says_so(client, doctor, consultation) -> None:
    # The shape the handbook's triage writes (TriageRun.handbook_context).
    consultation.handbook_context = {
        "source": "handbook_triage",
        "url": "/handbook/triage/runs/0b7f1c1e-0000-4000-8000-000000000001/",
        "pathway_name": {"zh": "咳嗽或呼吸困难", "en": "Cough or difficult breathing"},
        "version": 2,
        "classification": {"code": "pneumonia", "colour": "yellow", "name_zh": "肺炎", "name_en": "Pneumonia"},
        "thresholds": [{"zh": "呼吸频率 52 ≥ 50 次/分", "en": "respiratory rate 52 ≥ 50 /min (2 to 12 months)"}],
        "answers": [
            {
                "key": "rr",
                "answer": "52",
                "label": {"zh": "呼吸频率", "en": "Respiratory rate"},
                "text": {"zh": "52 次/分", "en": "52 /min"},
            }
        ],
    }
    consultation.save()
    doctor.preferred_language = "en"
    doctor.save()
    client.force_login(doctor)

    body = client.get(_url(consultation)).content.decode()

    assert "Started from the handbook:" in body
    assert "Cough or difficult breathing, version 2" in body
    assert "Pneumonia (yellow)" in body
    assert "respiratory rate 52 ≥ 50 /min (2 to 12 months)" in body
    assert "Respiratory rate: 52 /min" in body
    assert 'href="/handbook/triage/runs/0b7f1c1e-0000-4000-8000-000000000001/"' in body


def test_no_handbook_note_for_an_ordinary_case(client, doctor, consultation) -> None:
    client.force_login(doctor)

    assert 'data-testid="handbook-context"' not in client.get(_url(consultation)).content.decode()


def test_the_events_show_who_and_when_in_shanghai_time(client, doctor, specialist, consultation) -> None:
    ConsultationEvent.objects.create(
        consultation=consultation,
        actor=specialist,
        kind="claimed",
        from_status="submitted",
        to_status="claimed",
        at=datetime(2025, 3, 1, 2, 30, tzinfo=UTC),
    )
    client.force_login(doctor)

    body = client.get(_url(consultation)).content.decode()

    assert "A specialist took the consultation" in body
    assert "2025-03-01 10:30" in body  # UTC+8
    assert specialist.display_name in body


def test_a_group_administrator_does_not_read_cases(client, group_admin, consultation) -> None:
    # Administrators oversee queues and response times; the case itself stays with the
    # requesting hospital and the specialists (their escalation links to the queue).
    client.force_login(group_admin)

    response = client.get(_url(consultation))

    assert response.status_code == 404


def test_the_specialists_actions_are_one_tap_from_the_top(client, specialist, doctor, consultation) -> None:
    client.force_login(specialist)
    body = client.get(_url(consultation)).content.decode()
    bar = body.index('data-testid="jump-to-action"')
    assert bar < body.index('id="question-heading"')
    assert 'href="#specialist-panel"' in body[bar : bar + 400]
    # The panel (and its answer form) comes after the two columns, at the full width.
    assert body.index('<div id="specialist-panel"') > body.index('id="events-heading"')

    # The requesting doctor has nothing to do while the case waits: no bar.
    client.force_login(doctor)
    assert 'data-testid="jump-to-action"' not in client.get(_url(consultation)).content.decode()


def test_the_requesting_doctor_jumps_to_closing_an_answered_case(client, specialist, doctor, consultation) -> None:
    consultation.claim(specialist)
    consultation.answer(
        specialist,
        assessment="轻症",
        recommendation="manage_locally",
        plan="观察",
        family_advice="",
        follow_up_days=None,
    )
    client.force_login(doctor)

    body = client.get(_url(consultation)).content.decode()

    bar = body.index('data-testid="jump-to-action"')
    assert 'href="#close"' in body[bar : bar + 400]


def test_the_case_comes_with_the_rows_its_page_shows(rf, specialist, consultation, django_assert_num_queries):
    """visible_case loads the hospitals, the department and the people apart from the case
    (a many-table join was slow to plan): reading them afterwards costs no query."""
    from consultations.views.common import visible_case

    consultation.claim(specialist)
    request = rf.get(_url(consultation))
    request.user = specialist
    case = visible_case(request, consultation.public_id)
    with django_assert_num_queries(0):
        shown = (
            case.patient.hospital.name,
            case.requesting_hospital.name,
            case.department.hospital.name,
            case.requested_by.display_name,
            case.assigned_to.display_name,
        )
    assert shown == (
        consultation.patient.hospital.name,
        consultation.requesting_hospital.name,
        specialist.department.hospital.name,
        consultation.requested_by.display_name,
        specialist.display_name,
    )
