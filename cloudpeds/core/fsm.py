"""Shared help for workflow models whose `status` is a protected django-fsm field."""

from __future__ import annotations


class ReloadableStatusMixin:
    """Let `refresh_from_db()` reload a protected FSM `status`.

    django-fsm refuses any assignment to a loaded protected status, and Django's reload
    assigns every field. Re-reading the row is not a transition, so the loaded status is set
    aside for this one instance while the stored one is read. (django-fsm's FSMModelMixin
    switches protection off on the field instead, i.e. for every thread of the process at
    once, and leaves it off if the reload raises.)
    """

    def refresh_from_db(self, using=None, fields=None, from_queryset=None) -> None:
        if "status" not in self.__dict__ or (fields is not None and "status" not in fields):
            super().refresh_from_db(using=using, fields=fields, from_queryset=from_queryset)
            return
        loaded = self.__dict__.pop("status")
        self._reloading_status = True
        try:
            super().refresh_from_db(using=using, fields=fields, from_queryset=from_queryset)
        finally:
            self._reloading_status = False
            self.__dict__.setdefault("status", loaded)

    def get_deferred_fields(self) -> set[str]:
        deferred = super().get_deferred_fields()
        if getattr(self, "_reloading_status", False):
            # Set aside by refresh_from_db, not deferred: reload it with the other fields.
            deferred.discard("status")
        return deferred
