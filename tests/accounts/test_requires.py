from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.test import RequestFactory

from cloudpeds.accounts.access import has_any_role, requires
from cloudpeds.accounts.roles import Role

from ..factories import UserFactory

pytestmark = pytest.mark.django_db


@requires(has_any_role(Role.TRAINING_MANAGER))
def _view(request):
    return HttpResponse("ok")


def _request(user):
    request = RequestFactory().get("/x/")
    request.user = user
    return request


def test_permitted_user_reaches_the_view():
    assert _view(_request(UserFactory(roles=[Role.TRAINING_MANAGER]))).content == b"ok"


def test_wrong_role_is_refused():
    with pytest.raises(PermissionDenied):
        _view(_request(UserFactory(roles=[Role.GRASSROOTS_DOCTOR])))


def test_anonymous_goes_to_sign_in():
    response = _view(_request(AnonymousUser()))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
