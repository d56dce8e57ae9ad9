from __future__ import annotations

import pytest

from cloudpeds.notifications import kinds
from cloudpeds.notifications.checks import email_templates_exist


def test_the_platform_kind_is_registered():
    kind = kinds.get("patient.shared")

    assert str(kind.label) == "A child's record was shared with you"
    assert kind.icon == "bi-person-plus"


def test_a_registered_kind_can_be_looked_up(test_kind):
    assert kinds.get("system.test") == test_kind
    assert test_kind in kinds.all_kinds()


def test_an_unknown_kind_is_an_error():
    with pytest.raises(kinds.UnknownKind):
        kinds.get("nobody.registered_this")


@pytest.mark.parametrize("key", ["shared", "Patient.Shared", "patient.", "patient shared", ".shared"])
def test_keys_are_app_dot_event(key):
    with pytest.raises(ValueError, match="lowercase"):
        kinds.register(key, "Label")

    assert key not in [kind.key for kind in kinds.all_kinds()]


def test_registering_the_same_kind_twice_is_harmless(test_kind):
    assert kinds.register("system.test", "Test notification", icon="bi-bug") == test_kind


def test_two_apps_cannot_claim_one_key(test_kind):
    with pytest.raises(ValueError, match="already registered"):
        kinds.register("system.test", "Something else")

    assert kinds.get("system.test") == test_kind


def test_the_check_requires_email_templates_for_every_kind(test_kind):
    errors = email_templates_exist()

    assert {error.id for error in errors} == {"notifications.E001"}
    assert len(errors) == 3  # subject, text body, HTML body of system.test; patient.shared has all three
    assert all("system.test" in error.msg for error in errors)


def test_the_check_passes_for_the_shipped_kinds():
    assert email_templates_exist() == []
