"""The training manager reaches the teaching cases and the CME ledger from the home page
and the training page; learners reach them from the training page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cloudpeds.accounts.roles import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_training_manager_home_and_training_page_link_teaching_cases_and_the_ledger(xinhua, client):
    manager = UserFactory(username="trainer", hospital=xinhua, roles=[Role.TRAINING_MANAGER], preferred_language="en")
    client.force_login(manager)
    for page in (reverse("home"), reverse("training:index")):
        body = client.get(page, follow=True).content.decode()
        assert f'href="{reverse("training:teaching_cases")}"' in body, page
        assert f'href="{reverse("training:ledger")}"' in body, page
    teaching = client.get(reverse("training:teaching_cases")).content.decode()
    assert f'href="{reverse("training:teaching_candidates")}"' in teaching


def test_a_learner_reaches_them_from_the_training_page(doctor, client):
    client.force_login(doctor)
    body = client.get(reverse("training:index")).content.decode()
    assert f'href="{reverse("training:teaching_cases")}"' in body
    assert f'href="{reverse("training:ledger")}"' in body
    teaching = client.get(reverse("training:teaching_cases")).content.decode()
    assert reverse("training:teaching_candidates") not in teaching  # the manager's only
