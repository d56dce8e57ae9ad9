"""Admin for the triage pathways (to look: content changes through the editors' pages and
the two-person rule), triage runs (read-only) and the dosing calculator's drugs (edited here).

Imported by handbook/admin.py.
"""

from django.contrib import admin

from .models import DosingRule, Drug, Formulation, Pathway, PathwayVersion, PathwayVersionEvent, TriageRun


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class PathwayVersionEventInline(ReadOnlyInline):
    model = PathwayVersionEvent
    fields = ["kind", "actor", "from_status", "to_status", "note", "at"]


@admin.register(Pathway)
class PathwayAdmin(admin.ModelAdmin):
    list_display = ["slug", "topic", "specialty", "current_version", "is_demo"]
    list_filter = ["specialty", "is_demo"]
    search_fields = ["slug", "name_zh", "name_en"]
    readonly_fields = ["current_version", "created_by", "created_at"]


@admin.register(PathwayVersion)
class PathwayVersionAdmin(admin.ModelAdmin):
    list_display = ["pathway", "number", "status", "author", "approved_by", "approved_at"]
    list_filter = ["status"]
    search_fields = ["pathway__slug"]
    inlines = [PathwayVersionEventInline]

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(TriageRun)
class TriageRunAdmin(admin.ModelAdmin):
    list_display = ["public_id", "pathway_version", "classification_code", "classification_colour", "created_at"]
    list_filter = ["classification_colour"]
    list_select_related = ["pathway_version__pathway"]
    raw_id_fields = ["user", "patient", "consultation"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_add_permission(self, request) -> bool:
        return False


class FormulationInline(admin.TabularInline):
    model = Formulation
    extra = 0


class DosingRuleInline(admin.TabularInline):
    model = DosingRule
    extra = 0


@admin.register(Drug)
class DrugAdmin(admin.ModelAdmin):
    list_display = ["slug", "name_zh", "name_en", "is_demo", "position"]
    list_filter = ["is_demo"]
    search_fields = ["slug", "name_zh", "name_en"]
    filter_horizontal = ["topics"]
    inlines = [FormulationInline, DosingRuleInline]
