"""Retention of clinical records and the legal hold (封存), enforced by the database.

Every clinical record carries its retention class and the date until which it must be kept
(`keep_until`). Both are kept by database triggers, so that no path (a page, the admin, the
ORM, a bulk `QuerySet.delete()`, a raw SQL statement) can get around them:

- on insert, `keep_until` is the record's own date (local day, Asia/Shanghai) plus its class's
  period (settings.RETENTION_CLASSES); on every later change it moves to today plus the period
  if that is later, because the rules count from the last visit, not the first;
- a delete before `keep_until` is refused;
- while the child has an active legal hold (patients.LegalHold), every update and delete of the
  record is refused.

The periods are compiled into the trigger's SQL: changing settings.RETENTION_CLASSES needs a
migration (`makemigrations` writes it; `makemigrations --check` fails until it is made), which
is what a change of a legal figure deserves.
"""

from __future__ import annotations

from datetime import date

import pgtrigger
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# What a refusal says; the error page (RetentionErrorMiddleware) recognises these.
HOLD_MESSAGE = "cloudpeds: legal hold"
RETENTION_MESSAGE = "cloudpeds: retention period"


class RetentionClass(models.TextChoices):
    OUTPATIENT = "outpatient", _("Outpatient record")
    INPATIENT = "inpatient", _("Inpatient record")
    INTERNET_CONSULTATION = "internet_consultation", _("Internet-consultation chat, audio and video")
    SECURITY_LOG = "security_log", _("Security log")


def retention_months(retention_class: str) -> int:
    return settings.RETENTION_CLASSES[retention_class]


def keep_until_for(retention_class: str, start: date) -> date:
    """The date until which a record of `retention_class` made (or last changed) on `start` is kept."""
    months = start.month - 1 + retention_months(retention_class)
    year, month = start.year + months // 12, months % 12 + 1
    # 29 February plus whole years lands on 28 February; never earlier than the rule.
    day = start.day
    while True:
        try:
            return date(year, month, day)
        except ValueError:
            day -= 1


def retention_class_field(default: str) -> models.CharField:
    return models.CharField(
        _("retention class"), max_length=30, choices=RetentionClass.choices, default=default, editable=False
    )


def keep_until_field() -> models.DateField:
    # Set by the database trigger on insert (the instance has it after refresh_from_db()).
    return models.DateField(_("keep until"), null=True, blank=True, editable=False)


def _period_case() -> str:
    cases = " ".join(
        f"WHEN '{name}' THEN interval '{int(months)} months'" for name, months in settings.RETENTION_CLASSES.items()
    )
    return f"(CASE NEW.retention_class {cases} END)"


def _local_day(expression: str) -> str:
    return f"(({expression}) AT TIME ZONE '{settings.TIME_ZONE}')::date"


def retention_triggers(prefix: str, date_column: str, patient_check: str | None) -> list[pgtrigger.Trigger]:
    """The triggers of one clinical table.

    `date_column` is the record's own date (created_at, uploaded_at); `patient_check` a SQL
    condition true when the row's child is under an active legal hold (None: not held directly).
    """
    period = _period_case()
    keep = pgtrigger.Trigger(
        name=f"{prefix}_keep_until",
        when=pgtrigger.Before,
        operation=pgtrigger.Insert | pgtrigger.Update,
        func=f"""
            IF TG_OP = 'INSERT' THEN
                NEW.keep_until := GREATEST(
                    NEW.keep_until, ({_local_day(f"NEW.{date_column}")} + {period})::date
                );
            ELSE
                NEW.keep_until := GREATEST(
                    OLD.keep_until, NEW.keep_until, ({_local_day("now()")} + {period})::date
                );
            END IF;
            RETURN NEW;
        """,
    )
    no_early_delete = pgtrigger.Trigger(
        name=f"{prefix}_retained",
        when=pgtrigger.Before,
        operation=pgtrigger.Delete,
        func=f"""
            IF OLD.keep_until IS NULL OR OLD.keep_until >= {_local_day("now()")} THEN
                RAISE EXCEPTION '{RETENTION_MESSAGE}: % % must be kept until %', TG_TABLE_NAME, OLD.id, OLD.keep_until;
            END IF;
            RETURN OLD;
        """,
    )
    triggers = [keep, no_early_delete]
    if patient_check is not None:
        triggers.append(
            pgtrigger.Trigger(
                name=f"{prefix}_hold",
                when=pgtrigger.Before,
                operation=pgtrigger.Update | pgtrigger.Delete,
                # S608: the SQL is built from our own constants when the module is imported.
                func=f"""
                    IF EXISTS (
                        SELECT 1 FROM patients_legalhold h
                        WHERE h.patient_id = {patient_check} AND h.released_at IS NULL
                    ) THEN
                        RAISE EXCEPTION '{HOLD_MESSAGE}: % % is sealed', TG_TABLE_NAME, OLD.id;
                    END IF;
                    RETURN COALESCE(NEW, OLD);
                """,  # noqa: S608
            )
        )
    return triggers


def may_delete(record: models.Model) -> bool:
    """Whether the retention period of `record` is over (the admin asks before offering Delete)."""
    keep_until = getattr(record, "keep_until", None)
    return keep_until is not None and keep_until < timezone.localdate()
