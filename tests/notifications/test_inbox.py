from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.html import escape

from cloudpeds.notifications.models import Notification

from ..factories import NotificationFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def mine(doctor, specialist):
    return NotificationFactory(recipient=doctor, actor=specialist, target_url="/patients/abc/")


@pytest.fixture
def theirs(outsider):
    return NotificationFactory(recipient=outsider)


# --- inbox ---------------------------------------------------------------------------------


def test_inbox_lists_only_my_notifications(client, doctor, specialist, mine, theirs):
    client.force_login(doctor)

    response = client.get("/notifications/")

    assert response.status_code == 200
    assert list(response.context["page_obj"]) == [mine]
    html = response.content.decode()
    assert escape(mine.subject()) in html
    assert f"/notifications/{mine.public_id}/" in html
    assert str(theirs.public_id) not in html
    assert 'data-testid="unread-count"' in html  # the navigation badge counts the unread one


def test_inbox_shows_the_subject_in_my_language(client, doctor, specialist, mine):
    doctor.preferred_language = "en"
    doctor.save()
    client.force_login(doctor)

    response = client.get("/notifications/")

    assert f"{specialist.display_name} shared a child&#x27;s record with you" in response.content.decode()


def test_inbox_newest_first_with_unread_marked(client, doctor):
    old = NotificationFactory(recipient=doctor, created_at=timezone.now() - timezone.timedelta(days=1))
    new = NotificationFactory(recipient=doctor, read_at=timezone.now())
    client.force_login(doctor)

    response = client.get("/notifications/")

    assert list(response.context["page_obj"]) == [new, old]
    html = response.content.decode()
    assert f'action="/notifications/{old.public_id}/read/"' in html
    assert f'action="/notifications/{new.public_id}/read/"' not in html


def test_inbox_unread_filter(client, doctor):
    unread = NotificationFactory(recipient=doctor)
    NotificationFactory(recipient=doctor, read_at=timezone.now())
    client.force_login(doctor)

    response = client.get("/notifications/?show=unread")

    assert list(response.context["page_obj"]) == [unread]


def test_inbox_paginates_by_twenty(client, doctor):
    NotificationFactory.create_batch(25, recipient=doctor)
    client.force_login(doctor)

    first = client.get("/notifications/")
    second = client.get("/notifications/?page=2")

    assert len(first.context["page_obj"]) == 20
    assert len(second.context["page_obj"]) == 5
    assert "?page=2" in first.content.decode()


def test_inbox_query_count_does_not_grow(client, doctor, specialist):
    client.force_login(doctor)

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/notifications/").status_code == 200
        return len(queries)

    NotificationFactory.create_batch(5, recipient=doctor, actor=specialist)
    with_five = count_queries()
    NotificationFactory.create_batch(45, recipient=doctor, actor=specialist)
    with_fifty = count_queries()

    assert with_five == with_fifty


def test_inbox_requires_sign_in(client):
    response = client.get("/notifications/")

    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_inbox_refuses_post(client, doctor):
    client.force_login(doctor)

    assert client.post("/notifications/").status_code == 405


# --- open one ------------------------------------------------------------------------------


def test_open_marks_read_and_goes_to_the_target(client, doctor, mine):
    client.force_login(doctor)

    response = client.get(f"/notifications/{mine.public_id}/")

    assert response.status_code == 302
    assert response.url == "/patients/abc/"
    mine.refresh_from_db()
    assert mine.read_at is not None


def test_open_without_a_target_goes_to_the_inbox(client, doctor):
    notification = NotificationFactory(recipient=doctor, target_url="")
    client.force_login(doctor)

    response = client.get(f"/notifications/{notification.public_id}/")

    assert response.url == "/notifications/"
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_open_never_leaves_the_portal(client, doctor):
    notification = NotificationFactory(recipient=doctor, target_url="https://evil.example/phish")
    client.force_login(doctor)

    response = client.get(f"/notifications/{notification.public_id}/")

    assert response.url == "/notifications/"


def test_open_keeps_the_first_read_time(client, doctor):
    read_at = timezone.now() - timezone.timedelta(days=2)
    notification = NotificationFactory(recipient=doctor, read_at=read_at)
    client.force_login(doctor)

    client.get(f"/notifications/{notification.public_id}/")

    notification.refresh_from_db()
    assert notification.read_at == read_at


def test_open_someone_elses_is_404(client, doctor, theirs):
    client.force_login(doctor)

    response = client.get(f"/notifications/{theirs.public_id}/")

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_open_refuses_post(client, doctor, mine):
    client.force_login(doctor)

    assert client.post(f"/notifications/{mine.public_id}/").status_code == 405
    mine.refresh_from_db()
    assert mine.read_at is None


# --- mark one read -------------------------------------------------------------------------


def test_mark_read_without_htmx_redirects_to_the_inbox(client, doctor, mine):
    client.force_login(doctor)

    response = client.post(f"/notifications/{mine.public_id}/read/")

    assert response.status_code == 302
    assert response.url == "/notifications/"
    mine.refresh_from_db()
    assert mine.read_at is not None


def test_mark_read_with_htmx_returns_the_row_and_the_badge(client, doctor, mine):
    NotificationFactory(recipient=doctor)  # still unread afterwards
    client.force_login(doctor)

    response = client.post(f"/notifications/{mine.public_id}/read/", **HTMX)

    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="notification-{mine.public_id}"' in html
    assert f'action="/notifications/{mine.public_id}/read/"' not in html  # no button once read
    assert 'id="notification-badge"' in html
    assert 'hx-swap-oob="true"' in html
    assert re.search(r'data-testid="unread-count"[^>]*>\s*1\s*<', html)
    mine.refresh_from_db()
    assert mine.read_at is not None


def test_mark_read_someone_elses_is_404(client, doctor, theirs):
    client.force_login(doctor)

    response = client.post(f"/notifications/{theirs.public_id}/read/", **HTMX)

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_read_refuses_get(client, doctor, mine):
    client.force_login(doctor)

    assert client.get(f"/notifications/{mine.public_id}/read/").status_code == 405
    mine.refresh_from_db()
    assert mine.read_at is None


# --- mark all read -------------------------------------------------------------------------


def test_mark_all_read_marks_only_mine(client, doctor, mine, theirs):
    other_of_mine = NotificationFactory(recipient=doctor)
    doctor.preferred_language = "en"
    doctor.save()
    client.force_login(doctor)

    response = client.post("/notifications/read-all/", follow=True)

    assert response.redirect_chain == [("/notifications/", 302)]
    assert not Notification.objects.filter(recipient=doctor, read_at__isnull=True).exists()
    mine.refresh_from_db()
    other_of_mine.refresh_from_db()
    assert mine.read_at is not None
    assert other_of_mine.read_at is not None
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert [str(message) for message in response.context["messages"]] == ["2 notifications marked as read."]


def test_mark_all_read_refuses_get(client, doctor, mine):
    client.force_login(doctor)

    assert client.get("/notifications/read-all/").status_code == 405
    mine.refresh_from_db()
    assert mine.read_at is None


def test_mark_all_read_requires_sign_in(client, mine):
    response = client.post("/notifications/read-all/")

    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.read_at is None
