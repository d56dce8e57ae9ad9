"""Authentication backends that load a signed-in person's hospital and department with them.

Every page's navigation names the person's hospital, and most views read
`user.hospital_id`/`user.department`: one joined query per request instead of three.
"""

from __future__ import annotations

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend


class _UserWithPlacesMixin:
    def get_user(self, user_id):
        user_model = get_user_model()
        try:
            user = user_model._default_manager.select_related("hospital", "department").get(pk=user_id)
        except user_model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None


class ModelBackend(_UserWithPlacesMixin, DjangoModelBackend):
    pass


class AuthenticationBackend(_UserWithPlacesMixin, AllauthBackend):
    pass
