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
    GROUP_ADMIN = "group_admin", _("Group administrator")


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
]
