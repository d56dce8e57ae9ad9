"""Admin powers: only a superuser grants is_superuser, is_staff, permissions or the group
administrator role; a group administrator manages the other accounts without those fields;
a password set by an administrator is logged and the person is told."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.core import mail

from cloudpeds.accounts.models import User
from cloudpeds.accounts.roles import Role
from cloudpeds.audit.models import AccountEvent
from cloudpeds.notifications.models import Notification
from tests.conftest import enroll_totp
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-new-long-password-7391"


@pytest.fixture
def director(group_admin):
    """The demo's `director`: a group administrator with the admin site, not a superuser."""
    assert group_admin.is_staff and not group_admin.is_superuser
    return group_admin


@pytest.fixture
def superuser(xinhua):
    user = UserFactory(username="root", hospital=xinhua, is_staff=True, is_superuser=True)
    enroll_totp(user)
    return user


def _change_url(user: User) -> str:
    return f"/admin/accounts/user/{user.pk}/change/"


def _form(user: User, **changes) -> dict:
    """The user change form as the admin posts it, with `changes` on top."""
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on",
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
        "last_login_0": "",
        "last_login_1": "",
        "groups": [str(pk) for pk in user.groups.values_list("pk", flat=True)],
        "hospital": str(user.hospital_id or ""),
        "department": str(user.department_id or ""),
        "title": user.title,
        "licence_number": user.licence_number,
        "phone": user.phone,
        "preferred_language": user.preferred_language,
    }
    data.update(changes)
    return data


def _escalation(user: User, **changes) -> dict:
    """Ticks the superuser and staff boxes and one individual permission."""
    return _form(
        user,
        is_superuser="on",
        is_staff="on",
        user_permissions=[str(Permission.objects.get(codename="view_patient").pk)],
        **changes,
    )


def _with_group_admin_role(user: User, data: dict) -> dict:
    return {**data, "groups": [*data["groups"], str(Group.objects.get(name=Role.GROUP_ADMIN).pk)]}


def test_the_director_cannot_tick_superuser_staff_or_permissions_but_edits_the_rest(client, director, doctor):
    client.force_login(director)

    response = client.post(_change_url(doctor), _escalation(doctor, title="主任医师"))

    assert response.status_code == 302
    doctor.refresh_from_db()
    assert doctor.title == "主任医师"  # the other fields are saved
    assert not doctor.is_superuser
    assert not doctor.is_staff
    assert not doctor.user_permissions.exists()
    assert not AccountEvent.objects.exists()


def test_the_director_cannot_give_the_group_administrator_role(client, director, doctor):
    client.force_login(director)

    response = client.post(_change_url(doctor), _with_group_admin_role(doctor, _form(doctor, title="主任医师")))

    assert response.status_code == 200  # the form refuses the choice
    assert response.context["adminform"].form.errors["groups"]
    doctor.refresh_from_db()
    assert doctor.title != "主任医师"
    assert set(doctor.groups.values_list("name", flat=True)) == {Role.GRASSROOTS_DOCTOR}


def test_the_director_cannot_make_themselves_superuser_and_keeps_their_own_role(client, director):
    client.force_login(director)

    # The form offers no box for their own role, so none is posted.
    response = client.post(_change_url(director), _escalation(director, title="医联体办公室主任", groups=[]))

    assert response.status_code == 302
    director.refresh_from_db()
    assert director.title == "医联体办公室主任"
    assert not director.is_superuser
    assert director.is_staff  # as before: the form did not offer it
    assert not director.user_permissions.exists()
    assert set(director.groups.values_list("name", flat=True)) == {Role.GROUP_ADMIN}


def test_the_directors_form_does_not_offer_the_powers(client, director, doctor):
    client.force_login(director)

    page = client.get(_change_url(doctor))

    assert page.status_code == 200
    form = page.context["adminform"].form
    assert not {"is_superuser", "is_staff", "user_permissions"} & set(form.fields)
    assert Role.GROUP_ADMIN not in set(form.fields["groups"].queryset.values_list("name", flat=True))
    assert Role.SPECIALIST in set(form.fields["groups"].queryset.values_list("name", flat=True))


def test_the_director_cannot_change_a_superuser_or_another_administrator(client, director, superuser, xinhua):
    other_admin = UserFactory(username="gadmin2", hospital=xinhua, is_staff=True, roles=[Role.GROUP_ADMIN])
    client.force_login(director)

    for account in (superuser, other_admin):
        assert client.post(_change_url(account), _form(account, email="mine@evil.example")).status_code == 403
        password_url = f"/admin/accounts/user/{account.pk}/password/"
        response = client.post(password_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
        assert response.status_code == 403
        account.refresh_from_db()
        assert account.email != "mine@evil.example"
        assert not account.check_password(NEW_PASSWORD)
    response = client.post(
        "/admin/accounts/user/", {"action": "delete_selected", "_selected_action": [superuser.pk], "post": "yes"}
    )
    assert User.objects.filter(pk=superuser.pk).exists()


def test_the_director_cannot_change_the_roles_permissions(client, director):
    role = Group.objects.get(name=Role.GROUP_ADMIN)
    client.force_login(director)

    response = client.post(
        f"/admin/auth/group/{role.pk}/change/",
        {"name": role.name, "permissions": [str(Permission.objects.get(codename="view_patient").pk)]},
    )

    assert response.status_code == 403
    assert not role.permissions.filter(codename="view_patient").exists()
    assert client.get(f"/admin/auth/group/{role.pk}/change/").status_code == 200  # read-only view


def test_a_superuser_can_grant_the_powers_and_each_grant_is_logged(client, superuser, doctor):
    client.force_login(superuser)

    response = client.post(_change_url(doctor), _with_group_admin_role(doctor, _escalation(doctor)))

    assert response.status_code == 302
    doctor.refresh_from_db()
    assert doctor.is_superuser and doctor.is_staff
    assert doctor.has_role(Role.GROUP_ADMIN)
    events = AccountEvent.objects.filter(subject=doctor, actor=superuser)
    assert {(event.action, event.detail) for event in events} == {
        ("superuser_granted", ""),
        ("staff_granted", ""),
        ("role_granted", Role.GROUP_ADMIN),
        ("permissions_changed", ""),
    }


def test_a_password_set_by_the_director_is_logged_and_the_person_is_told(
    client, director, doctor, django_capture_on_commit_callbacks
):
    client.force_login(director)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/admin/accounts/user/{doctor.pk}/password/",
            {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
        )

    assert response.status_code == 302
    doctor.refresh_from_db()
    assert doctor.check_password(NEW_PASSWORD)
    event = AccountEvent.objects.get(action=AccountEvent.Action.PASSWORD_SET)
    assert (event.actor, event.subject, event.ip_address) == (director, doctor, "127.0.0.1")
    notification = Notification.objects.get(recipient=doctor)
    assert (notification.kind, notification.actor) == ("account.password_set", director)
    assert [message.to for message in mail.outbox] == [[doctor.email]]


def test_the_password_email_cannot_be_turned_off(client, director, doctor, django_capture_on_commit_callbacks):
    from cloudpeds.notifications.models import NotificationPreference

    NotificationPreference.objects.create(user=doctor, kind="account.password_set", email_enabled=False)
    client.force_login(director)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/admin/accounts/user/{doctor.pk}/password/",
            {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
        )

    assert [message.to for message in mail.outbox] == [[doctor.email]]
    client.force_login(doctor)
    assert "account.password_set" not in client.get("/notifications/preferences/").content.decode()


def test_a_failed_password_change_logs_nothing(client, director, doctor):
    client.force_login(director)

    response = client.post(
        f"/admin/accounts/user/{doctor.pk}/password/", {"password1": NEW_PASSWORD, "password2": "different"}
    )

    assert response.status_code == 200
    assert not AccountEvent.objects.exists()
    assert not Notification.objects.exists()


def test_the_auditor_finds_the_password_change_on_the_persons_audit_page(client, director, doctor, superuser):
    client.force_login(director)
    client.post(
        f"/admin/accounts/user/{doctor.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )
    director.preferred_language = "en"
    director.save(update_fields=["preferred_language"])

    page = client.get(f"/audit/users/{doctor.public_id}/")

    assert page.status_code == 200
    assert [(event.action, event.actor) for event in page.context["account_events"]] == [("password_set", director)]
    assert "Set the password" in page.content.decode()


def test_a_new_account_with_a_password_is_logged(client, director, yangpu, django_capture_on_commit_callbacks):
    client.force_login(director)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/accounts/user/add/",
            {
                "username": "dr.new",
                "usable_password": "true",
                "password1": NEW_PASSWORD,
                "password2": NEW_PASSWORD,
                "email": "new@example.org",
                "hospital": str(yangpu.pk),
                "preferred_language": "zh-hans",
            },
        )

    assert response.status_code == 302, response.content.decode()[:1000]
    created = User.objects.get(username="dr.new")
    assert not created.is_staff and not created.is_superuser
    event = AccountEvent.objects.get()
    assert (event.action, event.actor, event.subject) == ("password_set", director, created)
    assert [message.to for message in mail.outbox] == [["new@example.org"]]
