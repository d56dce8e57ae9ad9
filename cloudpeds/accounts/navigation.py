"""What each role can reach from the navigation bar.

Feature apps fill their pages in; the entries here point at each app's index page.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .roles import Role


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    icon: str
    roles: frozenset[str]


_EVERYONE = frozenset(Role.values)

NAV_ITEMS: tuple[NavItem, ...] = (
    NavItem(
        _("Patients"),
        "patients:list",
        "bi-people",
        frozenset({Role.GRASSROOTS_DOCTOR, Role.SPECIALIST, Role.TRANSFER_ADMIN}),
    ),
    NavItem(
        _("Consultations"),
        "consultations:index",
        "bi-chat-square-text",
        frozenset({Role.GRASSROOTS_DOCTOR, Role.SPECIALIST, Role.GROUP_ADMIN}),
    ),
    NavItem(
        _("Referrals"),
        "referrals:index",
        "bi-arrow-left-right",
        frozenset({Role.GRASSROOTS_DOCTOR, Role.SPECIALIST, Role.TRANSFER_ADMIN, Role.GROUP_ADMIN}),
    ),
    NavItem(
        _("Metrics"),
        "consultations:metrics",
        "bi-bar-chart",
        frozenset({Role.SPECIALIST, Role.GROUP_ADMIN}),
    ),
    NavItem(
        _("Outcomes"),
        "outcomes:index",
        "bi-graph-up-arrow",
        frozenset({Role.TRANSFER_ADMIN, Role.GROUP_ADMIN}),
    ),
    NavItem(_("Training"), "training:index", "bi-mortarboard", _EVERYONE),
    NavItem(_("Handbook"), "handbook:index", "bi-journal-medical", _EVERYONE),
    NavItem(_("Access audit"), "audit:index", "bi-shield-check", frozenset({Role.GROUP_ADMIN})),
    NavItem(_("Security log"), "audit:security", "bi-shield-lock", frozenset({Role.AUDIT_ADMIN, Role.SECURITY_ADMIN})),
)


def items_for(role_names: frozenset[str], is_superuser: bool = False) -> list[NavItem]:
    if is_superuser:
        return list(NAV_ITEMS)
    return [item for item in NAV_ITEMS if item.roles & role_names]
