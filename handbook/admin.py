"""The handbook's admin. Topic and pathway content changes through the editors' pages and
the two-person rule, so their versions and triage runs are here to look at; the dosing
calculator's drugs are edited here."""

from django.contrib import admin

from .models import (
    ClassificationRow,
    DosingRule,
    Drug,
    Formulation,
    HandbookEdition,
    Pathway,
    PathwayVersion,
    PathwayVersionEvent,
    SearchLog,
    Section,
    Topic,
    TopicVersion,
    TopicVersionEvent,
    TriageRun,
)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_add_permission(self, request) -> bool:
        return False


class SectionInline(admin.StackedInline):
    model = Section
    extra = 0
    fields = ["kind", "position", "body_zh", "body_en", "video_start_seconds"]


class ClassificationRowInline(admin.TabularInline):
    model = ClassificationRow
    extra = 0


class TopicVersionEventInline(ReadOnlyInline):
    model = TopicVersionEvent
    fields = ["kind", "actor", "from_status", "to_status", "note", "at"]


class PathwayVersionEventInline(ReadOnlyInline):
    model = PathwayVersionEvent
    fields = ["kind", "actor", "from_status", "to_status", "note", "at"]


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["slug", "symptom", "order", "current_version", "is_demo"]
    list_filter = ["symptom", "is_demo"]
    search_fields = ["slug"]
    readonly_fields = ["current_version", "created_by", "created_at"]


@admin.register(TopicVersion)
class TopicVersionAdmin(ReadOnlyAdmin):
    list_display = ["topic", "number", "status", "author", "approved_by", "effective_date", "next_review_date"]
    list_filter = ["status"]
    search_fields = ["topic__slug", "title_zh", "title_en"]
    inlines = [SectionInline, ClassificationRowInline, TopicVersionEventInline]


@admin.register(SearchLog)
class SearchLogAdmin(admin.ModelAdmin):
    list_display = ["query", "result_count", "user", "at"]
    list_filter = ["result_count"]
    search_fields = ["query"]


@admin.register(HandbookEdition)
class HandbookEditionAdmin(admin.ModelAdmin):
    list_display = ["key", "requested_at", "generated_at", "failed_at"]
    readonly_fields = ["key", "version_ids", "requested_by", "requested_at", "generated_at", "failed_at", "file"]


@admin.register(Pathway)
class PathwayAdmin(admin.ModelAdmin):
    list_display = ["slug", "topic", "specialty", "current_version", "is_demo"]
    list_filter = ["specialty", "is_demo"]
    search_fields = ["slug", "name_zh", "name_en"]
    readonly_fields = ["current_version", "created_by", "created_at"]


@admin.register(PathwayVersion)
class PathwayVersionAdmin(ReadOnlyAdmin):
    list_display = ["pathway", "number", "status", "author", "approved_by", "approved_at"]
    list_filter = ["status"]
    search_fields = ["pathway__slug"]
    inlines = [PathwayVersionEventInline]


@admin.register(TriageRun)
class TriageRunAdmin(ReadOnlyAdmin):
    list_display = ["public_id", "pathway_version", "classification_code", "classification_colour", "created_at"]
    list_filter = ["classification_colour"]
    list_select_related = ["pathway_version__pathway"]
    raw_id_fields = ["user", "patient", "consultation"]


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
