"""No typed work lost (issue 12): the consultation form keeps what the doctor types on the
server as they type, offers it back when they open the form again, and forgets it once the
case is saved or sent, or when they discard it. Only the person who typed it sees it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from cloudpeds.accounts.roles import Role
from consultations.models import Autosave, Consultation, Status
from consultations.tasks import purge_old_autosaves
from tests.consultations.test_ask_create import _case
from tests.factories import PatientFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def patient(doctor):
    """A Yangpu child of about two and a half, so the typed vital signs are plausible."""
    return PatientFactory(
        hospital=doctor.hospital, registered_by=doctor, date_of_birth=timezone.localdate() - timedelta(days=920)
    )


def _form(patient) -> str:
    return f"/consultations/new/{patient.public_id}/"


def _autosave(patient) -> str:
    return f"/consultations/new/{patient.public_id}/autosave/"


def _typed(specialist) -> dict:
    return _case(specialist, question="Does she need admission? Fever for three days", action="")


def test_typing_is_kept_for_this_person_and_offered_back(client, doctor, patient, specialist) -> None:
    client.force_login(doctor)

    response = client.post(_autosave(patient), _typed(specialist), headers={"hx-request": "true"})

    assert response.status_code == 200
    assert "Saved automatically at" in response.content.decode()
    kept = Autosave.objects.get()
    assert (kept.user, kept.patient, kept.consultation) == (doctor, patient, None)
    assert kept.data["question"] == "Does she need admission? Fever for three days"
    assert kept.data["respiratory_rate"] == "45"
    assert "csrfmiddlewaretoken" not in kept.data and "action" not in kept.data and "attachments" not in kept.data
    assert not Consultation.objects.exists()  # nothing is sent or saved as a case by typing

    page = client.get(_form(patient)).content.decode()
    assert 'data-testid="autosave-restored"' in page
    assert "Does she need admission? Fever for three days" in page
    assert "Files must be chosen again" in page


def test_saving_again_updates_the_one_row(client, doctor, patient, specialist) -> None:
    client.force_login(doctor)
    client.post(_autosave(patient), _typed(specialist))
    client.post(_autosave(patient), _case(specialist, question="Second thought", action=""))

    assert Autosave.objects.count() == 1
    assert Autosave.objects.get().data["question"] == "Second thought"


def test_keep_twice_at_once_leaves_one_row(doctor, patient) -> None:
    first = Autosave.keep(doctor, patient, None, {"question": "a"})
    second = Autosave.keep(doctor, patient, None, {"question": "b"})

    assert first.pk == second.pk
    assert Autosave.objects.get().data == {"question": "b"}


def test_sending_the_case_forgets_the_typing(client, doctor, patient, specialist) -> None:
    client.force_login(doctor)
    client.post(_autosave(patient), _typed(specialist))

    response = client.post(_form(patient), _case(specialist))

    assert response.status_code == 302
    assert Consultation.objects.get().status == Status.SUBMITTED
    assert not Autosave.objects.exists()
    assert 'data-testid="autosave-restored"' not in client.get(_form(patient)).content.decode()


def test_a_refused_send_keeps_the_typing(client, doctor, patient, specialist) -> None:
    client.force_login(doctor)
    client.post(_autosave(patient), _typed(specialist))

    response = client.post(_form(patient), _case(specialist, question=""))

    assert response.status_code == 200  # the form again, with its error
    assert Autosave.objects.count() == 1


def test_discarding_forgets_it_and_starts_the_form_afresh(client, doctor, patient, specialist) -> None:
    client.force_login(doctor)
    client.post(_autosave(patient), _typed(specialist))

    response = client.post(_autosave(patient), {"discard": "1"})

    assert response.status_code == 302 and response["Location"] == _form(patient)
    assert not Autosave.objects.exists()
    assert "Does she need admission" not in client.get(_form(patient)).content.decode()


def test_a_draft_has_its_own_autosave(client, doctor, draft, specialist) -> None:
    client.force_login(doctor)
    url = f"/consultations/{draft.public_id}/autosave/"

    assert client.post(url, _case(specialist, question="Added to the draft", action="")).status_code == 200
    assert Autosave.objects.get().consultation == draft
    page = client.get(f"/consultations/{draft.public_id}/edit/").content.decode()
    assert "Added to the draft" in page
    assert 'data-testid="autosave-restored"' not in client.get(_form(draft.patient)).content.decode()

    response = client.post(f"/consultations/{draft.public_id}/edit/", _case(specialist, action="draft"))
    assert response.status_code == 302, response.content.decode()[-3000:]
    assert not Autosave.objects.exists()


def test_a_sent_case_refuses_autosave(client, doctor, waiting, specialist) -> None:
    client.force_login(doctor)

    response = client.post(f"/consultations/{waiting.public_id}/autosave/", _typed(specialist))

    assert response.status_code == 409
    assert not Autosave.objects.exists()


def test_another_person_never_sees_it(client, doctor, patient, specialist, yangpu) -> None:
    colleague = UserFactory(hospital=yangpu, roles=[Role.GRASSROOTS_DOCTOR])
    client.force_login(doctor)
    client.post(_autosave(patient), _typed(specialist))

    client.force_login(colleague)
    page = client.get(_form(patient)).content.decode()

    assert "Does she need admission" not in page
    assert 'data-testid="autosave-restored"' not in page


def test_another_hospital_gets_404_and_the_wrong_role_403(client, outsider, patient, draft, specialist, yangpu) -> None:
    client.force_login(outsider)
    assert client.post(_autosave(patient), _typed(specialist)).status_code == 404
    assert client.post(f"/consultations/{draft.public_id}/autosave/", _typed(specialist)).status_code == 404

    client.force_login(UserFactory(hospital=yangpu, roles=[Role.TRAINING_MANAGER]))
    assert client.post(_autosave(patient), _typed(specialist)).status_code == 403

    client.force_login(specialist)  # sees the draft's child through a grant? never the asking side
    assert client.post(f"/consultations/{draft.public_id}/autosave/", _typed(specialist)).status_code in (403, 404)
    assert not Autosave.objects.exists()


def test_only_post(client, doctor, patient) -> None:
    client.force_login(doctor)

    assert client.get(_autosave(patient)).status_code == 405


def test_too_much_text_is_refused_and_stores_nothing(client, doctor, patient, specialist) -> None:
    client.force_login(doctor)

    response = client.post(_autosave(patient), _case(specialist, history="x" * (Autosave.MAX_CHARACTERS + 1)))

    assert response.status_code == 413
    assert not Autosave.objects.exists()


def test_old_autosaves_are_not_offered_and_are_purged(client, doctor, patient, specialist) -> None:
    kept = Autosave.keep(doctor, patient, None, {"question": "Long ago"})
    Autosave.objects.filter(pk=kept.pk).update(saved_at=timezone.now() - Autosave.KEPT_FOR - timedelta(minutes=1))
    fresh = Autosave.keep(UserFactory(hospital=doctor.hospital), patient, None, {"question": "Today"})
    client.force_login(doctor)

    assert "Long ago" not in client.get(_form(patient)).content.decode()
    assert purge_old_autosaves() == 1
    assert list(Autosave.objects.all()) == [fresh]
