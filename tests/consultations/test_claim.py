"""Taking a waiting case (`consultations:claim`) and handing it to a colleague (`consultations:assign`)."""

from __future__ import annotations

import threading

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.urls import reverse

from cloudpeds.accounts.models import User
from cloudpeds.accounts.roles import Role
from cloudpeds.notifications.models import Notification
from consultations.models import Consultation, ConsultationError, ConsultationEvent, Status

from ..factories import DepartmentFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def neurologist(xinhua):
    neurology = DepartmentFactory(hospital=xinhua, specialty="neurology", name_zh="小儿神经科", name_en="Neurology")
    return UserFactory(
        username="neuro", hospital=xinhua, department=neurology, roles=[Role.SPECIALIST], preferred_language="en"
    )


def claim_url(consultation: Consultation) -> str:
    return reverse("consultations:claim", args=[consultation.public_id])


def assign_url(consultation: Consultation) -> str:
    return reverse("consultations:assign", args=[consultation.public_id])


def flash(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


# --- claim ---------------------------------------------------------------------------------------


def test_a_department_specialist_takes_the_case(client, specialist, waiting):
    client.force_login(specialist)

    response = client.post(claim_url(waiting))

    assert response.status_code == 302
    assert response.url == waiting.get_absolute_url()
    assert flash(response) == ["You are now handling this case."]
    waiting.refresh_from_db()
    assert waiting.status == Status.CLAIMED
    assert waiting.assigned_to == specialist
    assert ConsultationEvent.objects.filter(consultation=waiting, kind="claimed", actor=specialist).count() == 1


def test_from_the_case_page_fragment_the_page_reloads(client, specialist, waiting):
    client.force_login(specialist)

    response = client.post(claim_url(waiting), headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert response["HX-Redirect"] == waiting.get_absolute_url()
    waiting.refresh_from_db()
    assert waiting.assigned_to == specialist


def test_another_hospitals_doctor_gets_404(client, outsider, waiting):
    client.force_login(outsider)

    assert client.post(claim_url(waiting)).status_code == 404
    waiting.refresh_from_db()
    assert waiting.status == Status.SUBMITTED


def test_a_specialist_of_another_specialty_gets_404(client, neurologist, waiting):
    client.force_login(neurologist)

    assert client.post(claim_url(waiting)).status_code == 404
    waiting.refresh_from_db()
    assert waiting.assigned_to is None


def test_the_requesting_doctor_gets_403(client, doctor, waiting):
    client.force_login(doctor)

    assert client.post(claim_url(waiting)).status_code == 403
    waiting.refresh_from_db()
    assert waiting.status == Status.SUBMITTED


def test_signed_out_goes_to_sign_in(client, waiting):
    response = client.post(claim_url(waiting))

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_get_is_not_allowed(client, specialist, waiting):
    client.force_login(specialist)

    assert client.get(claim_url(waiting)).status_code == 405
    waiting.refresh_from_db()
    assert waiting.status == Status.SUBMITTED


def test_a_case_already_taken_tells_the_second_specialist(client, specialist, colleague, waiting):
    waiting.claim(colleague)
    client.force_login(specialist)

    response = client.post(claim_url(waiting))

    assert response.status_code == 302
    assert flash(response) == ["Another specialist has already taken this case."]
    waiting.refresh_from_db()
    assert waiting.assigned_to == colleague
    assert ConsultationEvent.objects.filter(consultation=waiting, kind="claimed").count() == 1


def test_a_withdrawn_case_says_so(client, specialist, doctor, waiting):
    waiting.withdraw(doctor)
    client.force_login(specialist)

    response = client.post(claim_url(waiting))

    assert response.status_code == 302
    assert flash(response) == ["This case is now “Withdrawn”; nothing was changed."]
    waiting.refresh_from_db()
    assert waiting.assigned_to is None


def test_the_model_refusal_under_the_lock_is_shown(client, specialist, waiting, monkeypatch):
    """The state changed between the page's check and the row lock: the model's message."""

    def taken(self, user, **kwargs):
        raise ConsultationError("Another specialist has already taken this case.")

    monkeypatch.setattr(Consultation, "claim", taken)
    client.force_login(specialist)

    response = client.post(claim_url(waiting))

    assert flash(response) == ["Another specialist has already taken this case."]
    assert response.url == waiting.get_absolute_url()


# --- two specialists at the same moment ------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_specialists_claiming_at_once_exactly_one_gets_it(specialist, colleague, waiting):
    barrier = threading.Barrier(2)
    outcomes: dict[int, object] = {}

    def attempt(user_pk: int) -> None:
        try:
            user = User.objects.get(pk=user_pk)
            consultation = Consultation.objects.get(pk=waiting.pk)
            user.has_role(Role.SPECIALIST)  # load the roles before the race, not during it
            barrier.wait(timeout=10)
            consultation.claim(user)
            outcomes[user_pk] = "claimed"
        except ConsultationError as error:
            outcomes[user_pk] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(user.pk,)) for user in (specialist, colleague)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    winners = [pk for pk, outcome in outcomes.items() if outcome == "claimed"]
    losers = [outcome for outcome in outcomes.values() if isinstance(outcome, ConsultationError)]
    assert len(winners) == 1
    assert len(losers) == 1
    assert str(losers[0]) == "Another specialist has already taken this case."
    waiting.refresh_from_db()
    assert waiting.status == Status.CLAIMED
    assert waiting.assigned_to_id == winners[0]
    assert ConsultationEvent.objects.filter(consultation=waiting, kind="claimed").count() == 1


# --- assign --------------------------------------------------------------------------------------


def test_a_specialist_assigns_the_case_to_a_colleague(client, specialist, colleague, doctor, waiting):
    client.force_login(specialist)

    response = client.post(assign_url(waiting), {"assign-colleague": str(colleague.public_id)})

    assert response.status_code == 302
    assert response.url == waiting.get_absolute_url()
    assert flash(response) == [f"{colleague.display_name} is now handling this case."]
    waiting.refresh_from_db()
    assert waiting.status == Status.CLAIMED
    assert waiting.assigned_to == colleague
    event = ConsultationEvent.objects.get(consultation=waiting, kind="assigned")
    assert (event.actor, event.note) == (specialist, colleague.display_name)
    told = set(Notification.objects.filter(kind="consultations.claimed").values_list("recipient", flat=True))
    assert told == {doctor.pk, colleague.pk}


def test_assigning_to_someone_outside_the_department_is_refused(client, specialist, neurologist, waiting):
    client.force_login(specialist)

    response = client.post(
        assign_url(waiting), {"assign-colleague": str(neurologist.public_id)}, headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    assert "Choose a specialist of this department." in response.content.decode()
    waiting.refresh_from_db()
    assert waiting.status == Status.SUBMITTED
    assert waiting.assigned_to is None
    assert not ConsultationEvent.objects.filter(consultation=waiting, kind="assigned").exists()


def test_assigning_without_a_choice_shows_the_form_again(client, specialist, waiting):
    client.force_login(specialist)

    response = client.post(assign_url(waiting), {})

    assert response.status_code == 200
    assert "Nothing was saved" in response.content.decode()
    waiting.refresh_from_db()
    assert waiting.assigned_to is None


def test_assign_by_another_specialty_gets_404(client, neurologist, colleague, waiting):
    client.force_login(neurologist)

    response = client.post(assign_url(waiting), {"assign-colleague": str(colleague.public_id)})

    assert response.status_code == 404
    waiting.refresh_from_db()
    assert waiting.assigned_to is None


def test_assign_by_the_requesting_doctor_gets_403(client, doctor, colleague, waiting):
    client.force_login(doctor)

    response = client.post(assign_url(waiting), {"assign-colleague": str(colleague.public_id)})

    assert response.status_code == 403
    waiting.refresh_from_db()
    assert waiting.assigned_to is None


def test_assign_of_a_taken_case_is_refused(client, specialist, colleague, waiting):
    waiting.claim(specialist)
    client.force_login(specialist)

    response = client.post(assign_url(waiting), {"assign-colleague": str(colleague.public_id)})

    assert response.status_code == 302
    assert flash(response) == ["This case is now “With a specialist”; nothing was changed."]
    waiting.refresh_from_db()
    assert waiting.assigned_to == specialist


def test_assign_get_is_not_allowed(client, specialist, waiting):
    client.force_login(specialist)

    assert client.get(assign_url(waiting)).status_code == 405
