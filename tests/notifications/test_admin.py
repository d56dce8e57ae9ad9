from __future__ import annotations

import pytest

from cloudpeds.notifications.models import Notification

from ..conftest import enroll_totp
from ..factories import NotificationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(xinhua):
    user = UserFactory(username="root", hospital=xinhua, is_staff=True, is_superuser=True)
    enroll_totp(user)
    return user


def test_admin_lists_notifications(client, superuser, doctor):
    notification = NotificationFactory(recipient=doctor, last_error="SMTPServerDisconnected: closed")
    client.force_login(superuser)

    response = client.get("/admin/notifications/notification/")

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [notification]


def test_admin_is_read_only(client, superuser, doctor):
    notification = NotificationFactory(recipient=doctor)
    client.force_login(superuser)

    assert client.get("/admin/notifications/notification/add/").status_code == 403
    change_url = f"/admin/notifications/notification/{notification.pk}/change/"
    assert client.get(change_url).status_code == 200
    assert client.post(change_url, {"kind": "patient.other"}).status_code == 403
    assert client.post(f"/admin/notifications/notification/{notification.pk}/delete/").status_code == 403
    notification.refresh_from_db()
    assert notification.kind == "patient.shared"
    assert Notification.objects.count() == 1
