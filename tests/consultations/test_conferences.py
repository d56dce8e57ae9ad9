"""Live case conferences (consultations/views/conferences.py, CaseConference): scheduling by
the assigned specialist, the notification and timeline event, the join link, the summary,
and the calendar of upcoming sessions. Another hospital: 404 on every URL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cloudpeds.accounts.roles import Role
from cloudpeds.notifications.models import Notification
from consultations.models import CaseConference, Consultation, ConsultationEvent
from tests.factories import ConsultationFactory, DepartmentFactory, PatientFactory, UserFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def people(doctor, specialist, outsider, xinhua, yangpu):
    """Both sides of a case, a colleague of each, and people who may not be invited."""
    cardiology = DepartmentFactory(hospital=xinhua, specialty="cardiology", name_zh="心内科", name_en="Cardiology")
    return {
        "doctor": doctor,
        "specialist": specialist,
        "outsider": outsider,
        "doctor2": UserFactory(
            username="doc2", hospital=yangpu, roles=[Role.GRASSROOTS_DOCTOR], preferred_language="en"
        ),
        "colleague": UserFactory(
            username="spec2",
            hospital=xinhua,
            department=specialist.department,
            roles=[Role.SPECIALIST],
            preferred_language="en",
        ),
        "cardiologist": UserFactory(
            username="cardio", hospital=xinhua, department=cardiology, roles=[Role.SPECIALIST], preferred_language="en"
        ),
        "trainer": UserFactory(username="trainer", hospital=yangpu, roles=[Role.TRAINING_MANAGER]),
    }


@pytest.fixture
def case(people) -> Consultation:
    doctor, specialist = people["doctor"], people["specialist"]
    patient = PatientFactory(hospital=doctor.hospital, registered_by=doctor, name="王小明")
    return ConsultationFactory(
        patient=patient,
        department=specialist.department,
        status="claimed",
        assigned_to=specialist,
        claimed_at=timezone.now() - timedelta(hours=1),
    )


def panel_url(case) -> str:
    return reverse("consultations:conference_panel", args=[case.public_id])


def schedule_url(case) -> str:
    return reverse("consultations:conference_schedule", args=[case.public_id])


def summary_url(conference) -> str:
    return reverse("consultations:conference_summary", args=[conference.public_id])


def local_input(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def tomorrow_at_ten() -> datetime:
    day = timezone.localdate() + timedelta(days=1)
    return timezone.make_aware(datetime(day.year, day.month, day.day, 10, 0))


def conference_for(case, *, at, participants, state="scheduled", minutes=30) -> CaseConference:
    conference = CaseConference.objects.create(
        consultation=case, organiser=case.assigned_to, scheduled_for=at, duration_minutes=minutes, state=state
    )
    conference.participants.set(participants)
    return conference


# --- Scheduling ----------------------------------------------------------------------------------


def test_the_specialist_sees_the_form_with_both_hospitals_to_invite(client, people, case):
    client.force_login(people["specialist"])

    response = client.get(panel_url(case))

    assert response.status_code == 200
    form = response.context["form"]
    invitable = set(form.fields["participants"].queryset)
    assert invitable == {people["doctor"], people["doctor2"], people["colleague"]}
    assert "Schedule a video case conference" in response.content.decode()


def test_scheduling_stores_the_conference_records_the_event_and_tells_the_participants(client, people, case):
    client.force_login(people["specialist"])
    when = tomorrow_at_ten()

    response = client.post(
        schedule_url(case),
        {
            "scheduled_for": local_input(when),
            "duration_minutes": "45",
            "participants": [people["doctor"].pk, people["colleague"].pk],
        },
        **HTMX,
    )

    assert response.status_code == 200
    assert response["HX-Redirect"] == case.get_absolute_url()
    conference = CaseConference.objects.get(consultation=case)
    assert conference.organiser == people["specialist"]
    assert conference.scheduled_for == when
    assert conference.duration_minutes == 45
    assert conference.state == "scheduled"
    assert set(conference.participants.all()) == {people["doctor"], people["colleague"]}
    event = ConsultationEvent.objects.get(consultation=case, kind="conference_scheduled")
    assert event.actor == people["specialist"]
    assert event.note == timezone.localtime(when).strftime("%Y-%m-%d %H:%M")
    notes = Notification.objects.filter(kind="consultations.conference_scheduled")
    assert {note.recipient for note in notes} == {people["doctor"], people["colleague"]}
    note = notes.first()
    assert note.context["scheduled_for"] == timezone.localtime(when).strftime("%Y-%m-%d %H:%M")
    assert note.context["duration_minutes"] == 45
    assert note.target_url == case.get_absolute_url()
    assert note.actor == people["specialist"]
    assert conference.room not in str(note.context)  # the join link stays behind sign-in


def test_the_join_link_is_the_video_service_and_an_unguessable_room(settings, people, case):
    settings.VIDEO_CONFERENCE_BASE_URL = "https://meet.xinhua.example/"
    first = conference_for(case, at=tomorrow_at_ten(), participants=[people["doctor"]])
    second = conference_for(case, at=tomorrow_at_ten(), participants=[people["doctor"]])

    assert first.join_url == f"https://meet.xinhua.example/{first.room}"
    assert first.room != second.room
    assert len(first.room) > 30


def test_without_htmx_scheduling_returns_to_the_case(client, people, case):
    client.force_login(people["specialist"])

    response = client.post(
        schedule_url(case),
        {
            "scheduled_for": local_input(tomorrow_at_ten()),
            "duration_minutes": "30",
            "participants": [people["doctor"].pk],
        },
    )

    assert response.status_code == 302
    assert response.url == case.get_absolute_url()
    assert CaseConference.objects.filter(consultation=case).count() == 1


def test_a_time_in_the_past_is_refused(client, people, case):
    client.force_login(people["specialist"])

    response = client.post(
        schedule_url(case),
        {
            "scheduled_for": local_input(timezone.now() - timedelta(hours=1)),
            "duration_minutes": "30",
            "participants": [people["doctor"].pk],
        },
        **HTMX,
    )

    assert response.status_code == 200
    assert "Choose a time in the future." in response.content.decode()
    assert not CaseConference.objects.exists()
    assert not ConsultationEvent.objects.filter(kind="conference_scheduled").exists()
    assert not Notification.objects.exists()


@pytest.mark.parametrize("who", ["outsider", "cardiologist", "trainer"])
def test_only_the_two_sides_may_be_invited(client, people, case, who):
    client.force_login(people["specialist"])

    response = client.post(
        schedule_url(case),
        {"scheduled_for": local_input(tomorrow_at_ten()), "duration_minutes": "30", "participants": [people[who].pk]},
        **HTMX,
    )

    assert response.status_code == 200
    assert response.context["form"].errors["participants"]
    assert not CaseConference.objects.exists()


def test_the_model_refuses_an_invitation_outside_the_two_sides(people, case):
    from consultations.models import ConsultationError

    with pytest.raises(ConsultationError):
        CaseConference.schedule(
            case,
            people["specialist"],
            scheduled_for=tomorrow_at_ten(),
            duration_minutes=30,
            participants=[people["outsider"]],
        )
    assert not CaseConference.objects.exists()


def test_someone_must_be_invited(client, people, case):
    client.force_login(people["specialist"])

    response = client.post(
        schedule_url(case), {"scheduled_for": local_input(tomorrow_at_ten()), "duration_minutes": "30"}, **HTMX
    )

    assert response.status_code == 200
    assert response.context["form"].errors["participants"]
    assert not CaseConference.objects.exists()


@pytest.mark.parametrize("who", ["doctor", "colleague"])
def test_only_the_assigned_specialist_schedules(client, people, case, who):
    client.force_login(people[who])

    response = client.post(
        schedule_url(case),
        {
            "scheduled_for": local_input(tomorrow_at_ten()),
            "duration_minutes": "30",
            "participants": [people["doctor"].pk],
        },
    )

    assert response.status_code == 403
    assert not CaseConference.objects.exists()


def test_no_conference_for_a_closed_case(client, people, case):
    Consultation.objects.filter(pk=case.pk).update(status="closed")
    client.force_login(people["specialist"])

    response = client.post(
        schedule_url(case),
        {
            "scheduled_for": local_input(tomorrow_at_ten()),
            "duration_minutes": "30",
            "participants": [people["doctor"].pk],
        },
    )

    assert response.status_code == 403
    assert not CaseConference.objects.exists()


def test_scheduling_is_post_only(client, people, case):
    client.force_login(people["specialist"])

    assert client.get(schedule_url(case)).status_code == 405
    assert client.post(panel_url(case)).status_code == 405


# --- The panel for the others --------------------------------------------------------------------


def test_an_invited_doctor_sees_the_join_link(client, settings, people, case):
    settings.VIDEO_CONFERENCE_BASE_URL = "https://meet.xinhua.example"
    conference = conference_for(case, at=tomorrow_at_ten(), participants=[people["doctor"]])
    client.force_login(people["doctor"])

    response = client.get(panel_url(case))

    content = response.content.decode()
    assert f'href="https://meet.xinhua.example/{conference.room}"' in content
    assert response.context["form"] is None  # the doctor does not schedule


def test_a_colleague_who_was_not_invited_sees_the_conference_but_no_link(client, people, case):
    conference = conference_for(case, at=tomorrow_at_ten(), participants=[people["doctor"]])
    client.force_login(people["colleague"])

    content = client.get(panel_url(case)).content.decode()

    assert 'data-testid="conference"' in content
    assert conference.room not in content


def test_the_panel_is_empty_when_there_is_nothing_to_show(client, people, case):
    client.force_login(people["doctor"])

    content = client.get(panel_url(case)).content.decode()

    assert "hidden" in content
    assert "Case conferences" not in content


# --- The summary ---------------------------------------------------------------------------------


def test_the_organiser_records_the_summary_afterwards(client, people, case):
    conference = conference_for(case, at=timezone.now() - timedelta(minutes=40), participants=[people["doctor"]])
    client.force_login(people["specialist"])
    field = f"summary-{conference.public_id}-summary"

    response = client.post(summary_url(conference), {field: "同意门诊随访, 三天后复查胸片"}, **HTMX)

    assert response.status_code == 200
    assert response["HX-Redirect"] == case.get_absolute_url()
    conference.refresh_from_db()
    assert conference.state == "held"
    assert conference.summary == "同意门诊随访, 三天后复查胸片"
    event = ConsultationEvent.objects.get(consultation=case, kind="conference_summary")
    assert (event.actor, event.note) == (people["specialist"], "同意门诊随访, 三天后复查胸片")
    assert "同意门诊随访" in client.get(panel_url(case)).content.decode()


def test_the_panel_offers_the_summary_form_once_the_conference_has_begun(client, people, case):
    started = conference_for(case, at=timezone.now() - timedelta(minutes=5), participants=[people["doctor"]])
    conference_for(case, at=tomorrow_at_ten(), participants=[people["doctor"]])
    client.force_login(people["specialist"])

    response = client.get(panel_url(case))

    forms = [item["summary_form"] for item in response.context["items"]]
    assert [form is not None for form in forms] == [False, True]  # newest first
    assert summary_url(started) in response.content.decode()


def test_no_summary_before_the_conference_begins(client, people, case):
    conference = conference_for(case, at=tomorrow_at_ten(), participants=[people["doctor"]])
    client.force_login(people["specialist"])

    response = client.post(summary_url(conference), {f"summary-{conference.public_id}-summary": "计划"})

    assert response.status_code == 403
    conference.refresh_from_db()
    assert (conference.state, conference.summary) == ("scheduled", "")


def test_only_the_organiser_records_the_summary(client, people, case):
    conference = conference_for(case, at=timezone.now() - timedelta(hours=1), participants=[people["doctor"]])
    client.force_login(people["doctor"])

    response = client.post(summary_url(conference), {f"summary-{conference.public_id}-summary": "我的总结"})

    assert response.status_code == 403
    assert not ConsultationEvent.objects.filter(kind="conference_summary").exists()


def test_an_empty_summary_is_refused(client, people, case):
    conference = conference_for(case, at=timezone.now() - timedelta(hours=1), participants=[people["doctor"]])
    client.force_login(people["specialist"])

    response = client.post(summary_url(conference), {f"summary-{conference.public_id}-summary": "  "}, **HTMX)

    assert response.status_code == 200
    assert response.context["items"][0]["summary_form"].errors
    conference.refresh_from_db()
    assert conference.state == "scheduled"


def test_the_summary_is_post_only(client, people, case):
    conference = conference_for(case, at=timezone.now() - timedelta(hours=1), participants=[people["doctor"]])
    client.force_login(people["specialist"])

    assert client.get(summary_url(conference)).status_code == 405


# --- Other hospitals and other roles -------------------------------------------------------------


def test_another_hospital_gets_404_on_every_url(client, people, case):
    conference = conference_for(case, at=timezone.now() - timedelta(hours=1), participants=[people["doctor"]])
    client.force_login(people["outsider"])

    assert client.get(panel_url(case)).status_code == 404
    response = client.post(
        schedule_url(case),
        {
            "scheduled_for": local_input(tomorrow_at_ten()),
            "duration_minutes": "30",
            "participants": [people["doctor"].pk],
        },
    )
    assert response.status_code == 404
    assert client.post(summary_url(conference), {f"summary-{conference.public_id}-summary": "x"}).status_code == 404
    assert CaseConference.objects.count() == 1
    conference.refresh_from_db()
    assert conference.summary == ""


def test_people_with_no_clinical_role_get_403(client, people, case):
    client.force_login(people["trainer"])

    assert client.get(panel_url(case)).status_code == 403
    assert client.get(reverse("consultations:conferences")).status_code == 403


# --- The calendar --------------------------------------------------------------------------------


def test_the_calendar_lists_upcoming_conferences_by_local_day(client, people, case):
    # 16:30 UTC is 00:30 the next day in Shanghai: the day heading is Shanghai's.
    late = datetime(2099, 1, 1, 16, 30, tzinfo=UTC)
    conference_for(case, at=late, participants=[people["doctor"]])
    conference_for(case, at=tomorrow_at_ten(), participants=[people["doctor"]])
    conference_for(case, at=timezone.now() - timedelta(days=1), participants=[people["doctor"]])  # over
    conference_for(case, at=tomorrow_at_ten(), participants=[people["doctor"]], state="cancelled")
    conference_for(case, at=tomorrow_at_ten(), participants=[people["doctor2"]])  # not invited
    client.force_login(people["doctor"])

    response = client.get(reverse("consultations:conferences"))

    assert response.status_code == 200
    days = response.context["days"]
    assert [day for day, _rows in days] == [tomorrow_at_ten().date(), datetime(2099, 1, 2).date()]
    assert [len(rows) for _day, rows in days] == [1, 1]
    content = response.content.decode()
    assert "2099-01-02" in content and "00:30" in content
    assert "王小明" in content


def test_a_conference_in_progress_is_still_listed(client, people, case):
    conference_for(case, at=timezone.now() - timedelta(minutes=10), participants=[people["doctor"]], minutes=30)
    client.force_login(people["doctor"])

    response = client.get(reverse("consultations:conferences"))

    [(_day, [(_conference, started)])] = response.context["days"]
    assert started is True
    assert "In progress" in response.content.decode()


def test_the_organiser_sees_their_conferences_too(client, people, case):
    conference_for(case, at=tomorrow_at_ten(), participants=[people["doctor"]])
    client.force_login(people["specialist"])

    response = client.get(reverse("consultations:conferences"))

    assert len(response.context["page"].object_list) == 1


def test_an_invitation_to_a_case_no_longer_visible_is_not_listed(client, people, case):
    # The colleague was invited, then the case went to another specialty: the invitation
    # alone does not open the case.
    conference_for(case, at=tomorrow_at_ten(), participants=[people["colleague"]])
    other = DepartmentFactory(hospital=people["specialist"].hospital, specialty="neurology")
    Consultation.objects.filter(pk=case.pk).update(department=other, assigned_to=None)
    client.force_login(people["colleague"])

    response = client.get(reverse("consultations:conferences"))

    assert response.context["days"] == []
    assert "No case conference is coming up." in response.content.decode()


def test_another_hospital_sees_nothing_of_it(client, people, case):
    conference_for(case, at=tomorrow_at_ten(), participants=[people["doctor"]])
    client.force_login(people["outsider"])

    response = client.get(reverse("consultations:conferences"))

    assert response.status_code == 200
    assert response.context["days"] == []


def test_the_calendar_takes_the_same_number_of_queries_for_more_conferences(client, people, case):
    client.force_login(people["doctor"])
    conference_for(case, at=tomorrow_at_ten(), participants=[people["doctor"], people["colleague"]])
    client.get(reverse("consultations:conferences"))  # warm the session and role caches

    with CaptureQueriesContext(connection) as few:
        client.get(reverse("consultations:conferences"))
    for day in range(2, 8):
        conference_for(
            case, at=tomorrow_at_ten() + timedelta(days=day), participants=[people["doctor"], people["doctor2"]]
        )
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("consultations:conferences"))

    assert len(response.context["page"].object_list) == 7
    assert len(many) == len(few)


def test_the_calendar_is_get_only(client, people):
    client.force_login(people["doctor"])

    assert client.post(reverse("consultations:conferences")).status_code == 405
