"""Resident identity card numbers (GB 11643-1999): 17 digits and a check character."""

from __future__ import annotations

import re
from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_FORMAT = re.compile(r"^\d{17}[\dX]$")


def check_character(first17: str) -> str:
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def birth_date_of(number: str) -> date | None:
    try:
        return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None


def validate_national_id(value: str) -> None:
    number = value.strip().upper()
    if not _FORMAT.match(number):
        raise ValidationError(_("An ID number has 18 characters: 17 digits and a final digit or X."), code="format")
    if birth_date_of(number) is None:
        raise ValidationError(_("The ID number does not contain a valid date of birth."), code="birth_date")
    if check_character(number[:17]) != number[17]:
        raise ValidationError(_("The ID number's check digit is wrong; please check the number."), code="checksum")


def mask_national_id(value: str) -> str:
    """Show only the last four characters."""
    if not value:
        return ""
    return "*" * (len(value) - 4) + value[-4:]
