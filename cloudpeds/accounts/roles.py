"""The portal's roles. Each is a Django group, created by a data migration.

The group's name is the stable slug; people see the translated label.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    GRASSROOTS_DOCTOR = "grassroots_doctor", _("Grassroots doctor")
    SPECIALIST = "specialist", _("Specialist")
    TRANSFER_ADMIN = "transfer_admin", _("Transfer administrator")
    TRAINING_MANAGER = "training_manager", _("Training manager")
    HANDBOOK_EDITOR = "handbook_editor", _("Handbook editor")
    CLINICAL_SAFETY = "clinical_safety", _("Clinical-safety reviewer")
    GROUP_ADMIN = "group_admin", _("Group administrator")
    SECURITY_ADMIN = "security_admin", _("Security administrator")
    AUDIT_ADMIN = "audit_admin", _("Audit administrator")


# 等保 2.0 三级 separates three duties: the system administrator (here the group administrator,
# and superusers: accounts, hospitals, rights), the security administrator (watches the
# security log) and the audit administrator (reviews and exports the security log). Nobody
# holds two of them, so that whoever grants rights never also controls the record of it.
DUTY_ROLES = (Role.GROUP_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN)


def conflicting_duties(role_names, is_superuser: bool = False) -> list[str]:
    """The separated duties held together (empty when the combination is allowed).

    A superuser is a system administrator: they may not also be the security or audit one.
    """
    duties = [role for role in DUTY_ROLES if role in set(role_names)]
    if is_superuser and Role.GROUP_ADMIN not in duties:
        duties.insert(0, Role.GROUP_ADMIN)
    return duties if len(duties) > 1 else []


# Doctors also train: both doctor roles are trainees.
DOCTOR_ROLES = frozenset({Role.GRASSROOTS_DOCTOR, Role.SPECIALIST})

# Order in which a person with several roles lands on a home page.
HOME_PRIORITY = [
    Role.GROUP_ADMIN,
    Role.TRANSFER_ADMIN,
    Role.SPECIALIST,
    Role.GRASSROOTS_DOCTOR,
    Role.TRAINING_MANAGER,
    Role.HANDBOOK_EDITOR,
    Role.CLINICAL_SAFETY,
]
