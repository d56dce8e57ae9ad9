"""The specialist's fragment on the case page (`consultations:specialist_panel`) and its
actions: ask for information, redirect, decline, answer."""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from cloudpeds.accounts.roles import Role
from cloudpeds.attachments.models import Attachment
from consultations.models import Consultation, ConsultationEvent, Message, Status

from ..factories import ConsultationFactory, PatientFactory, UserFactory

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def url(name: str, consultation: Consultation) -> str:
    return reverse(f"consultations:{name}", args=[consultation.public_id])


def flash(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def png(name: str = "胸片.png") -> SimpleUploadedFile:
    out = BytesIO()
    Image.new("RGB", (40, 30), (30, 30, 30)).save(out, "PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def answer_data(**changes) -> dict:
    data = {
        "answer-assessment": "轻症社区获得性肺炎",
        "answer-recommendation": "manage_locally",
        "answer-plan": "阿莫西林 45 mg/kg/d, 分两次口服, 共 5 天",
        "answer-family_advice": "多饮水, 若呼吸急促立即就诊",
        "answer-follow_up_days": "3",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


# --- the fragment ----------------------------------------------------------------------------------


def test_a_department_specialist_on_a_waiting_case_can_take_assign_redirect_or_decline(client, specialist, waiting):
    client.force_login(specialist)

    response = client.get(url("specialist_panel", waiting), headers=HTMX)

    assert response.status_code == 200
    page = response.content.decode()
    assert "<html" not in page
    for action in ("claim", "assign", "redirect", "decline"):
        assert url(action, waiting) in page
    for action in ("answer", "request_info"):
        assert url(action, waiting) not in page


def test_the_assigned_specialist_can_ask_redirect_decline_or_answer(client, specialist, claimed):
    client.force_login(specialist)

    page = client.get(url("specialist_panel", claimed)).content.decode()

    for action in ("request_info", "redirect", "decline", "answer"):
        assert url(action, claimed) in page
    assert url("claim", claimed) not in page
    assert 'enctype="multipart/form-data"' in page


def test_a_colleague_sees_nothing_on_a_case_taken_by_someone_else(client, colleague, claimed):
    client.force_login(colleague)

    response = client.get(url("specialist_panel", claimed))

    assert response.status_code == 200
    assert response.content == b""


def test_the_requesting_doctor_sees_nothing(client, doctor, waiting):
    client.force_login(doctor)

    response = client.get(url("specialist_panel", waiting))

    assert response.status_code == 200
    assert response.content == b""


def test_while_waiting_for_information_the_specialist_is_told_the_clock_is_paused(client, specialist, claimed):
    claimed.request_info(specialist, "请提供胸片")
    client.force_login(specialist)

    page = client.get(url("specialist_panel", claimed)).content.decode()

    assert "The response time is paused until they reply" in page
    assert url("answer", claimed) not in page


def test_another_hospitals_doctor_gets_404_for_the_fragment(client, outsider, waiting):
    client.force_login(outsider)

    assert client.get(url("specialist_panel", waiting)).status_code == 404


@pytest.mark.parametrize("name", ["specialist_panel", "claim", "answer"])
def test_people_with_no_clinical_role_get_403_before_any_lookup(client, yangpu, waiting, name):
    client.force_login(UserFactory(username="trainer", hospital=yangpu, roles=[Role.TRAINING_MANAGER]))

    fetch = client.get if name == "specialist_panel" else client.post
    assert fetch(url(name, waiting)).status_code == 403
    waiting.refresh_from_db()
    assert waiting.status == Status.SUBMITTED


def test_a_draft_is_invisible_to_the_specialists(client, specialist, doctor):
    draft = ConsultationFactory(
        patient=PatientFactory(hospital=doctor.hospital, registered_by=doctor),
        department=specialist.department,
        status=Status.DRAFT,
        submitted_at=None,
    )
    client.force_login(specialist)

    assert client.get(url("specialist_panel", draft)).status_code == 404


def test_the_fragment_is_get_only(client, specialist, waiting):
    client.force_login(specialist)

    assert client.post(url("specialist_panel", waiting)).status_code == 405


# --- ask for information ---------------------------------------------------------------------------


def test_asking_for_information_pauses_the_clock(client, specialist, claimed):
    client.force_login(specialist)

    response = client.post(url("request_info", claimed), {"info-question": "  请提供胸片和血氧  "})

    assert response.status_code == 302
    assert response.url == claimed.get_absolute_url()
    claimed.refresh_from_db()
    assert claimed.status == Status.INFO_REQUESTED
    assert claimed.paused_since is not None
    assert Message.objects.get(consultation=claimed, is_info_request=True).body == "请提供胸片和血氧"


def test_an_empty_question_comes_back_in_the_fragment(client, specialist, claimed):
    client.force_login(specialist)

    response = client.post(url("request_info", claimed), {"info-question": "   "}, headers=HTMX)

    assert response.status_code == 200
    page = response.content.decode()
    assert "Write what you need from the requesting doctor." in page
    assert 'id="specialist-actions"' in page
    claimed.refresh_from_db()
    assert claimed.status == Status.CLAIMED
    assert not Message.objects.exists()


def test_a_colleague_cannot_ask_on_a_case_taken_by_someone_else(client, colleague, claimed):
    client.force_login(colleague)

    response = client.post(url("request_info", claimed), {"info-question": "?"})

    assert response.status_code == 302
    assert flash(response) == ["Another specialist has already taken this case."]
    claimed.refresh_from_db()
    assert claimed.status == Status.CLAIMED


def test_the_requesting_doctor_cannot_ask_as_a_specialist(client, doctor, claimed):
    client.force_login(doctor)

    assert client.post(url("request_info", claimed), {"info-question": "?"}).status_code == 403
    claimed.refresh_from_db()
    assert claimed.status == Status.CLAIMED


def test_another_hospital_gets_404_when_asking(client, outsider, claimed):
    client.force_login(outsider)

    assert client.post(url("request_info", claimed), {"info-question": "?"}).status_code == 404


def test_request_info_is_post_only(client, specialist, claimed):
    client.force_login(specialist)

    assert client.get(url("request_info", claimed)).status_code == 405


# --- redirect --------------------------------------------------------------------------------------


def test_redirect_sends_the_case_to_another_specialty_and_back_to_the_queue(client, specialist, claimed, neurology):
    client.force_login(specialist)
    before = timezone.now()

    response = client.post(
        url("redirect", claimed), {"redirect-department": neurology.pk, "redirect-reason": "反复抽搐"}, headers=HTMX
    )

    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("consultations:queue")
    claimed.refresh_from_db()
    assert claimed.department == neurology
    assert claimed.status == Status.SUBMITTED
    assert claimed.assigned_to is None
    assert claimed.due_at >= before + timedelta(hours=48)
    assert "反复抽搐" in ConsultationEvent.objects.get(consultation=claimed, kind="redirected").note


def test_redirect_needs_a_reason(client, specialist, waiting, neurology):
    client.force_login(specialist)

    response = client.post(
        url("redirect", waiting), {"redirect-department": neurology.pk, "redirect-reason": ""}, headers=HTMX
    )

    assert "Say why the case belongs to that specialty." in response.content.decode()
    waiting.refresh_from_db()
    assert waiting.department == specialist.department


def test_redirect_to_the_same_specialty_is_not_offered(client, specialist, waiting):
    client.force_login(specialist)

    response = client.post(
        url("redirect", waiting),
        {"redirect-department": specialist.department.pk, "redirect-reason": "x"},
        headers=HTMX,
    )

    assert "Choose another specialty of Xinhua Hospital." in response.content.decode()
    waiting.refresh_from_db()
    assert waiting.department == specialist.department
    assert not ConsultationEvent.objects.filter(kind="redirected").exists()


def test_redirect_to_a_district_department_is_not_offered(client, specialist, doctor, waiting):
    client.force_login(specialist)

    response = client.post(
        url("redirect", waiting), {"redirect-department": doctor.department.pk, "redirect-reason": "x"}, headers=HTMX
    )

    assert "Choose another specialty of Xinhua Hospital." in response.content.decode()
    waiting.refresh_from_db()
    assert waiting.department == specialist.department


def test_redirect_by_the_requesting_doctor_gets_403(client, doctor, waiting, neurology):
    client.force_login(doctor)

    response = client.post(url("redirect", waiting), {"redirect-department": neurology.pk, "redirect-reason": "x"})

    assert response.status_code == 403
    waiting.refresh_from_db()
    assert waiting.department != neurology


def test_redirect_is_post_only(client, specialist, waiting):
    client.force_login(specialist)

    assert client.get(url("redirect", waiting)).status_code == 405


# --- decline ---------------------------------------------------------------------------------------


def test_decline_with_a_coded_reason(client, specialist, waiting):
    client.force_login(specialist)

    response = client.post(
        url("decline", waiting), {"decline-reason": "needs_in_person", "decline-comment": "请来门诊"}
    )

    assert response.status_code == 302
    assert response.url == waiting.get_absolute_url()
    waiting.refresh_from_db()
    assert waiting.status == Status.DECLINED
    assert (waiting.decline_reason, waiting.decline_comment) == ("needs_in_person", "请来门诊")


def test_decline_other_needs_a_comment(client, specialist, waiting):
    client.force_login(specialist)

    response = client.post(url("decline", waiting), {"decline-reason": "other", "decline-comment": " "}, headers=HTMX)

    assert "Explain the reason when you choose “Other”." in response.content.decode()
    waiting.refresh_from_db()
    assert waiting.status == Status.SUBMITTED


def test_decline_with_an_unknown_reason_is_refused(client, specialist, waiting):
    client.force_login(specialist)

    response = client.post(url("decline", waiting), {"decline-reason": "bored"}, headers=HTMX)

    assert "Choose a reason." in response.content.decode()
    waiting.refresh_from_db()
    assert waiting.status == Status.SUBMITTED


def test_decline_by_another_hospital_gets_404(client, outsider, waiting):
    client.force_login(outsider)

    assert client.post(url("decline", waiting), {"decline-reason": "duplicate"}).status_code == 404
    waiting.refresh_from_db()
    assert waiting.status == Status.SUBMITTED


def test_decline_by_the_requesting_doctor_gets_403(client, doctor, waiting):
    client.force_login(doctor)

    assert client.post(url("decline", waiting), {"decline-reason": "duplicate"}).status_code == 403
    waiting.refresh_from_db()
    assert waiting.status == Status.SUBMITTED


def test_decline_is_post_only(client, specialist, waiting):
    client.force_login(specialist)

    assert client.get(url("decline", waiting)).status_code == 405


# --- answer ----------------------------------------------------------------------------------------


def test_answer_with_a_file(client, specialist, claimed, media_root):
    client.force_login(specialist)

    response = client.post(url("answer", claimed), {**answer_data(), "answer-files": [png()]}, headers=HTMX)

    assert response.status_code == 200
    assert response["HX-Redirect"] == claimed.get_absolute_url()
    claimed.refresh_from_db()
    assert claimed.status == Status.ANSWERED
    assert claimed.assessment == "轻症社区获得性肺炎"
    assert claimed.recommendation == "manage_locally"
    assert claimed.plan.startswith("阿莫西林")
    assert claimed.family_advice == "多饮水, 若呼吸急促立即就诊"
    assert claimed.follow_up_days == 3
    attachment = Attachment.objects.for_source(claimed).get()
    assert attachment.patient_id == claimed.patient_id
    assert attachment.uploaded_by == specialist
    assert attachment.original_name == "胸片.png"


def test_answer_without_a_follow_up(client, specialist, claimed):
    client.force_login(specialist)

    response = client.post(url("answer", claimed), answer_data(**{"answer-follow_up_days": ""}))

    assert response.status_code == 302
    claimed.refresh_from_db()
    assert claimed.status == Status.ANSWERED
    assert claimed.follow_up_days is None


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"answer-plan": "  "}, "Write the plan."),
        ({"answer-assessment": None}, "Write your assessment."),
        ({"answer-recommendation": "pray"}, "Choose a recommendation."),
        ({"answer-follow_up_days": "0"}, "Follow up in 1 to 180 days, or leave it empty."),
        ({"answer-follow_up_days": "365"}, "Follow up in 1 to 180 days, or leave it empty."),
        ({"answer-follow_up_days": "三"}, "Enter a whole number of days."),
    ],
)
def test_a_bad_answer_comes_back_with_the_reason_and_stores_nothing(client, specialist, claimed, changes, message):
    client.force_login(specialist)

    response = client.post(url("answer", claimed), answer_data(**changes), headers=HTMX)

    assert response.status_code == 200
    assert message in response.content.decode()
    claimed.refresh_from_db()
    assert claimed.status == Status.CLAIMED
    assert claimed.assessment == ""
    assert not ConsultationEvent.objects.filter(kind="answered").exists()


def test_a_file_that_is_not_an_image_or_pdf_stores_nothing(client, specialist, claimed, media_root):
    client.force_login(specialist)
    fake = SimpleUploadedFile("报告.png", b"<html><script>alert(1)</script></html>", content_type="image/png")

    response = client.post(url("answer", claimed), {**answer_data(), "answer-files": [fake]}, headers=HTMX)

    assert "报告.png" in response.content.decode()
    claimed.refresh_from_db()
    assert claimed.status == Status.CLAIMED
    assert not Attachment.objects.exists()
    assert not media_root.exists() or not any(path.is_file() for path in media_root.rglob("*"))


def test_without_htmx_a_bad_answer_is_shown_on_a_page(client, specialist, claimed):
    client.force_login(specialist)

    response = client.post(url("answer", claimed), answer_data(**{"answer-plan": ""}))

    assert response.status_code == 200
    page = response.content.decode()
    assert "<html" in page
    assert "Nothing was saved" in page
    assert "Write the plan." in page
    assert "轻症社区获得性肺炎" in page  # what was typed is kept


def test_answer_by_a_colleague_is_refused_with_a_message(client, colleague, claimed):
    client.force_login(colleague)

    response = client.post(url("answer", claimed), answer_data())

    assert response.status_code == 302
    assert flash(response) == ["Another specialist has already taken this case."]
    claimed.refresh_from_db()
    assert claimed.status == Status.CLAIMED


def test_answering_twice_changes_nothing_the_second_time(client, specialist, claimed):
    client.force_login(specialist)
    client.post(url("answer", claimed), answer_data())

    response = client.post(url("answer", claimed), answer_data(**{"answer-plan": "另一个方案"}))

    assert flash(response)[-1] == "This case is now “Answered”; nothing was changed."
    claimed.refresh_from_db()
    assert claimed.plan.startswith("阿莫西林")
    assert ConsultationEvent.objects.filter(consultation=claimed, kind="answered").count() == 1


def test_answer_by_the_requesting_doctor_gets_403(client, doctor, claimed):
    client.force_login(doctor)

    assert client.post(url("answer", claimed), answer_data()).status_code == 403
    claimed.refresh_from_db()
    assert claimed.status == Status.CLAIMED


def test_answer_by_another_hospital_gets_404(client, outsider, claimed):
    client.force_login(outsider)

    assert client.post(url("answer", claimed), answer_data()).status_code == 404


def test_answer_is_post_only(client, specialist, claimed):
    client.force_login(specialist)

    assert client.get(url("answer", claimed)).status_code == 405
