"""Nobody, through the ORM or the admin, can rewrite who looked at a child's record."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.db.utils import ProgrammingError

from cloudpeds.audit.models import AccessEvent
from tests.conftest import enroll_totp
from tests.factories import AccessEventFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(child):
    return AccessEventFactory(patient=child, ip_address="10.9.9.9")


def test_a_bulk_update_is_refused_by_the_database(event):
    # pgtrigger's Protect raises a PL/pgSQL exception (SQLSTATE P0001); psycopg 3, and so Django,
    # report it as ProgrammingError (psycopg2 reported InternalError).
    with pytest.raises(ProgrammingError, match="Cannot update or delete"), transaction.atomic():
        AccessEvent.objects.filter(pk=event.pk).update(ip_address="127.0.0.1")

    event.refresh_from_db()
    assert event.ip_address == "10.9.9.9"


def test_saving_a_changed_event_is_refused(event):
    event.action = AccessEvent.Action.PRINT

    with pytest.raises(ProgrammingError), transaction.atomic():
        event.save()

    event.refresh_from_db()
    assert event.action == "view"


def test_a_bulk_delete_is_refused_by_the_database(event):
    with pytest.raises(ProgrammingError, match="Cannot update or delete"), transaction.atomic():
        AccessEvent.objects.filter(pk=event.pk).delete()

    assert AccessEvent.objects.filter(pk=event.pk).exists()


def test_deleting_one_event_is_refused(event):
    with pytest.raises(ProgrammingError), transaction.atomic():
        event.delete()

    assert AccessEvent.objects.filter(pk=event.pk).exists()


@pytest.fixture
def superuser_client(xinhua, login_2fa):
    superuser = UserFactory(username="root", hospital=xinhua, is_staff=True, is_superuser=True)
    enroll_totp(superuser)
    return login_2fa(superuser)


def test_the_admin_lists_events_to_a_superuser(superuser_client, event):
    response = superuser_client.get("/admin/audit/accessevent/")

    assert response.status_code == 200
    assert "10.9.9.9" in response.content.decode()
    assert response.context["has_add_permission"] is False


def test_the_admin_offers_no_add_page(superuser_client):
    response = superuser_client.post("/admin/audit/accessevent/add/", {"action": "view"})

    assert response.status_code == 403
    assert not AccessEvent.objects.exists()


def test_the_admin_change_page_is_read_only(superuser_client, event):
    url = f"/admin/audit/accessevent/{event.pk}/change/"

    page = superuser_client.get(url)
    response = superuser_client.post(url, {"action": "print", "ip_address": "127.0.0.1"})

    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert response.status_code == 403
    event.refresh_from_db()
    assert (event.action, event.ip_address) == ("view", "10.9.9.9")


def test_the_admin_cannot_delete_one_event_or_in_bulk(superuser_client, event):
    single = superuser_client.post(f"/admin/audit/accessevent/{event.pk}/delete/", {"post": "yes"})
    bulk = superuser_client.post(
        "/admin/audit/accessevent/", {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"}
    )

    assert single.status_code == 403
    assert bulk.status_code == 200  # the changelist again: the delete action is not offered
    assert "delete_selected" not in bulk.content.decode()
    assert AccessEvent.objects.filter(pk=event.pk).exists()
