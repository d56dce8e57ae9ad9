"""Admin of the training app. Courses, lessons and enrolments change through the training
pages (publishing is a checked transition); the admin is for looking and for repairs."""

from django.contrib import admin

from .models import Course, CourseEvent, Enrolment, EnrolmentReminder, Lesson, LessonProgress, Module


class ModuleInline(admin.TabularInline):
    model = Module
    extra = 0
    fields = ["order", "title_zh", "title_en"]


class CourseEventInline(admin.TabularInline):
    model = CourseEvent
    extra = 0
    can_delete = False
    readonly_fields = ["kind", "actor", "from_status", "to_status", "note", "at"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ["slug", "title_zh", "status", "credit_hours", "credit_class", "is_open", "published_at"]
    list_filter = ["status", "credit_class", "is_open"]
    search_fields = ["slug", "title_zh", "title_en"]
    readonly_fields = ["public_id", "status", "created_by", "created_at", "published_at"]
    inlines = [ModuleInline, CourseEventInline]


class LessonInline(admin.TabularInline):
    model = Lesson
    extra = 0
    fields = ["order", "kind", "title_zh", "title_en", "video_duration_seconds"]


@admin.register(Module)
class ModuleAdmin(admin.ModelAdmin):
    list_display = ["title_zh", "course", "order"]
    list_select_related = ["course"]
    inlines = [LessonInline]


@admin.register(Lesson)
class LessonAdmin(admin.ModelAdmin):
    list_display = ["title_zh", "module", "kind", "order", "video_duration_seconds"]
    list_filter = ["kind"]
    list_select_related = ["module"]
    search_fields = ["title_zh", "title_en"]
    raw_id_fields = ["handbook_topic_version"]
    readonly_fields = ["public_id", "video_content_type"]


@admin.register(Enrolment)
class EnrolmentAdmin(admin.ModelAdmin):
    list_display = ["user", "course", "source", "due_date", "created_at", "completed_at"]
    list_filter = ["source", "course"]
    list_select_related = ["user", "course"]
    search_fields = ["user__username", "user__last_name"]
    raw_id_fields = ["user", "enrolled_by"]
    readonly_fields = ["public_id", "created_at"]


@admin.register(LessonProgress)
class LessonProgressAdmin(admin.ModelAdmin):
    list_display = ["enrolment", "lesson", "watched_seconds", "time_spent_seconds", "completed_at"]
    list_select_related = ["enrolment__user", "enrolment__course", "lesson"]
    raw_id_fields = ["enrolment", "lesson"]


@admin.register(EnrolmentReminder)
class EnrolmentReminderAdmin(admin.ModelAdmin):
    list_display = ["enrolment", "kind", "due_date", "sent_at"]
    raw_id_fields = ["enrolment"]
