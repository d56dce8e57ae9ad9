"""`manage.py check` refuses a registered kind whose email templates are missing."""

from __future__ import annotations

from django.core import checks
from django.template import TemplateDoesNotExist
from django.template.loader import get_template

from . import kinds

TEMPLATE_SUFFIXES = ("-subject.txt", "-body.txt", "-body.html")


def email_templates_exist(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    errors = []
    for kind in kinds.all_kinds():
        for suffix in TEMPLATE_SUFFIXES:
            name = f"emails/{kind.key}{suffix}"
            try:
                get_template(name)
            except TemplateDoesNotExist:
                errors.append(
                    checks.Error(
                        f"The notification kind {kind.key!r} has no template {name}.",
                        hint="Each kind needs a subject, a text body and an HTML body under templates/emails/.",
                        id="notifications.E001",
                    )
                )
    return errors


def register_checks() -> None:
    checks.register(email_templates_exist, checks.Tags.templates)
