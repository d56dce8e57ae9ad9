"""The group administrator and a hospital's leadership reach the outcomes page from the
navigation bar and their home page; other roles see no link to it."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_group_admin_and_leadership_are_linked_to_outcomes(group_admin, yangpu_lead, client, login_2fa):
    link = f'href="{reverse("outcomes:index")}"'
    for user in (group_admin, yangpu_lead):
        client.logout()
        login_2fa(user)
        home = client.get(reverse("home"), follow=True).content.decode()
        assert home.count(link) >= 2, user  # the navigation bar and a card of the home page


def test_other_roles_are_not_linked(doctor, specialist, client):
    for user in (doctor, specialist):
        client.force_login(user)
        assert reverse("outcomes:index") not in client.get(reverse("home"), follow=True).content.decode()
