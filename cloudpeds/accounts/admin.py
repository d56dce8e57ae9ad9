from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import Department, Hospital, User


class DepartmentInline(admin.TabularInline):
    model = Department
    extra = 0


@admin.register(Hospital)
class HospitalAdmin(admin.ModelAdmin):
    list_display = ["code", "name_zh", "name_en", "district", "level"]
    list_filter = ["level"]
    search_fields = ["code", "name_zh", "name_en"]
    inlines = [DepartmentInline]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name_zh", "name_en", "hospital", "specialty", "bed_count"]
    list_filter = ["hospital", "specialty"]
    list_select_related = ["hospital"]
    search_fields = ["name_zh", "name_en"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "last_name", "first_name", "hospital", "department", "title", "is_active"]
    list_filter = ["hospital", "groups", "is_active", "is_staff"]
    list_select_related = ["hospital", "department"]
    search_fields = ["username", "first_name", "last_name", "email", "licence_number", "phone"]
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (
            _("Clinical profile"),
            {"fields": ("hospital", "department", "title", "licence_number", "phone", "preferred_language")},
        ),
    )
    add_fieldsets = (
        *BaseUserAdmin.add_fieldsets,
        (_("Clinical profile"), {"fields": ("email", "hospital", "department", "title", "preferred_language")}),
    )
