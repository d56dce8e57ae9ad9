from django.contrib import admin

from .models import ClassificationRow, HandbookEdition, SearchLog, Section, Topic, TopicVersion, TopicVersionEvent


class SectionInline(admin.StackedInline):
    model = Section
    extra = 0
    fields = ["kind", "position", "body_zh", "body_en", "video_start_seconds"]


class ClassificationRowInline(admin.TabularInline):
    model = ClassificationRow
    extra = 0


class EventInline(admin.TabularInline):
    model = TopicVersionEvent
    extra = 0
    can_delete = False
    readonly_fields = ["kind", "actor", "from_status", "to_status", "note", "at"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["slug", "symptom", "order", "current_version", "is_demo"]
    list_filter = ["symptom", "is_demo"]
    search_fields = ["slug"]
    readonly_fields = ["current_version", "created_by", "created_at"]


@admin.register(TopicVersion)
class TopicVersionAdmin(admin.ModelAdmin):
    # Content and workflow change through the handbook's editor pages (two-person rule);
    # the admin is for looking.
    list_display = ["topic", "number", "status", "author", "approved_by", "effective_date", "next_review_date"]
    list_filter = ["status"]
    search_fields = ["topic__slug", "title_zh", "title_en"]
    inlines = [SectionInline, ClassificationRowInline, EventInline]

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(SearchLog)
class SearchLogAdmin(admin.ModelAdmin):
    list_display = ["query", "result_count", "user", "at"]
    list_filter = ["result_count"]
    search_fields = ["query"]


@admin.register(HandbookEdition)
class HandbookEditionAdmin(admin.ModelAdmin):
    list_display = ["key", "requested_at", "generated_at", "failed_at"]
    readonly_fields = ["key", "version_ids", "requested_by", "requested_at", "generated_at", "failed_at", "file"]


from . import admin_triage  # noqa: E402, F401  (the triage pathways' and dosing admin)
