"""Admin of hospitals, departments and accounts.

Group administrators create and manage the group's accounts here; what they cannot do is hand
out powers above their own. Only a superuser may grant `is_superuser`, `is_staff`, individual
permissions or the group-administrator role, change a role's permissions, or change the
account of anyone who holds such powers (a password or e-mail change there would be a
take-over). Every grant or removal of a power, and every password an administrator sets, is
written to the audit's account log (AccountEvent); the person whose password was set is told.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserChangeForm as BaseUserChangeForm
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cloudpeds.audit.models import AccountEvent, log_account_change
from cloudpeds.notifications.services import notify

from .models import Department, Hospital, QualificationError, User
from .roles import Role, conflicting_duties

# Fields of the user form that only a superuser sees (and so only a superuser can change).
SUPERUSER_ONLY_FIELDS = frozenset({"is_superuser", "is_staff", "user_permissions"})
# Roles that only a superuser may give or take away.
SUPERUSER_ONLY_ROLES = frozenset({Role.GROUP_ADMIN})


def role_label(group: Group) -> str:
    """A role group as people read it ("基层医生"), not its code ("grassroots_doctor")."""
    try:
        return str(Role(group.name).label)
    except ValueError:
        return group.name


class RoleFilter(admin.SimpleListFilter):
    title = _("role")
    parameter_name = "role"

    def lookups(self, request: HttpRequest, model_admin):
        return Role.choices

    def queryset(self, request: HttpRequest, queryset):
        return queryset.filter(groups__name=self.value()) if self.value() else queryset


def holds_powers(user: User) -> bool:
    """Whether `user` has powers that only a superuser may grant."""
    return user.is_superuser or user.is_staff or user.has_role(*SUPERUSER_ONLY_ROLES)


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


class UserChangeForm(BaseUserChangeForm):
    def clean(self) -> dict:
        cleaned = super().clean()
        instance = self.instance
        groups = cleaned.get("groups")
        names = {group.name for group in groups} if groups is not None else set(instance.role_names)
        # A non-superuser's form has no superuser-only roles: they stay as they were.
        names |= set(instance.role_names) & SUPERUSER_ONLY_ROLES if "groups" in cleaned else set()
        is_superuser = cleaned.get("is_superuser", instance.is_superuser)
        duties = conflicting_duties(names, is_superuser)
        if duties:
            raise ValidationError(
                _(
                    "One person cannot hold these separated duties together: %(duties)s. Whoever grants rights "
                    "must not also review the security log."
                ),
                code="separated_duties",
                params={"duties": ", ".join(str(Role(duty).label) for duty in duties)},
            )
        return cleaned


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = UserChangeForm
    list_display = ["username", "last_name", "first_name", "hospital", "department", "title", "is_active"]
    list_filter = ["hospital", RoleFilter, "is_active", "is_staff"]
    list_select_related = ["hospital", "department"]
    search_fields = ["username", "first_name", "last_name", "email", "licence_number", "phone"]
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (
            _("Clinical profile"),
            {"fields": ("hospital", "department", "title", "licence_number", "phone", "preferred_language")},
        ),
        (
            _("Qualification"),
            {"fields": ("title_grade", "qualification_verified_at", "qualification_verified_by")},
        ),
    )
    readonly_fields = ["qualification_verified_at", "qualification_verified_by"]
    actions = ["verify_qualification"]
    add_fieldsets = (
        *BaseUserAdmin.add_fieldsets,
        (_("Clinical profile"), {"fields": ("email", "hospital", "department", "title", "preferred_language")}),
    )

    # --- Who may change what --------------------------------------------------------------

    def get_fieldsets(self, request: HttpRequest, obj: User | None = None):
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser:
            return fieldsets
        # Left out of the form, a field cannot be changed whatever is posted.
        return [
            (name, {**options, "fields": [f for f in options["fields"] if f not in SUPERUSER_ONLY_FIELDS]})
            for name, options in fieldsets
        ]

    def formfield_for_manytomany(self, db_field, request: HttpRequest, **kwargs):
        if db_field.name == "groups" and not request.user.is_superuser:
            kwargs["queryset"] = Group.objects.exclude(name__in=SUPERUSER_ONLY_ROLES)
        formfield = super().formfield_for_manytomany(db_field, request, **kwargs)
        if db_field.name == "groups" and formfield is not None:
            formfield.label_from_instance = role_label
        return formfield

    def has_change_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        # A group administrator edits their own profile, but nobody else's who holds powers:
        # setting a superuser's password (or e-mail, then resetting it) would make them one.
        if obj is not None and not request.user.is_superuser and obj.pk != request.user.pk and holds_powers(obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        if obj is not None and not request.user.is_superuser and holds_powers(obj):
            return False
        return super().has_delete_permission(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset) -> None:
        # "Delete selected" asks has_delete_permission() without an object.
        if not request.user.is_superuser and any(holds_powers(user) for user in queryset):
            raise PermissionDenied
        super().delete_queryset(request, queryset)

    # --- Saving, with the account log -------------------------------------------------------

    @admin.action(description=_("Verify licence number and title of the selected doctors"))
    def verify_qualification(self, request: HttpRequest, queryset) -> None:
        """A group administrator has checked the certificates (issue 15: who and when are
        recorded); each refusal is said with its reason."""
        verified = 0
        for user in queryset:
            try:
                user.verify_qualification(request.user)
            except QualificationError as error:
                self.message_user(request, f"{user.display_name}: {error}", messages.ERROR)
            else:
                verified += 1
        if verified:
            self.message_user(request, _("%(count)d qualifications verified.") % {"count": verified})

    def save_model(self, request: HttpRequest, obj: User, form: ModelForm, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change and {"licence_number", "title_grade"} & set(form.changed_data):
            # A changed licence or title is not the one that was checked.
            obj.clear_qualification_verification()
        for field, granted, revoked in (
            ("is_superuser", AccountEvent.Action.SUPERUSER_GRANTED, AccountEvent.Action.SUPERUSER_REVOKED),
            ("is_staff", AccountEvent.Action.STAFF_GRANTED, AccountEvent.Action.STAFF_REVOKED),
        ):
            if field in form.changed_data:
                log_account_change(request, obj, granted if getattr(obj, field) else revoked)
        if not change and obj.has_usable_password():
            _password_set(request, obj)

    def save_related(self, request: HttpRequest, form: ModelForm, formsets, change: bool) -> None:
        user = form.instance
        roles_before = set(user.groups.values_list("name", flat=True)) if change else set()
        permissions_before = set(user.user_permissions.values_list("pk", flat=True)) if change else set()
        super().save_related(request, form, formsets, change)
        if not request.user.is_superuser:
            # The form did not offer these roles, so saving it dropped them: put them back.
            kept = Group.objects.filter(name__in=roles_before & SUPERUSER_ONLY_ROLES)
            user.groups.add(*kept)
        roles_after = set(user.groups.values_list("name", flat=True))
        for role in sorted(roles_after - roles_before):
            log_account_change(request, user, AccountEvent.Action.ROLE_GRANTED, role)
        for role in sorted(roles_before - roles_after):
            log_account_change(request, user, AccountEvent.Action.ROLE_REMOVED, role)
        if set(user.user_permissions.values_list("pk", flat=True)) != permissions_before:
            log_account_change(request, user, AccountEvent.Action.PERMISSIONS_CHANGED)
        user.__dict__.pop("role_names", None)

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> HttpResponse:
        # The password, its account log and the notification commit together or not at all
        # (the change form is atomic already: ModelAdmin.changeform_view).
        with transaction.atomic():
            response = super().user_change_password(request, id, form_url)
            if request.method == "POST" and response.status_code == 302:
                _password_set(request, self.get_object(request, unquote(id)))
        return response


def _password_set(request: HttpRequest, user: User) -> None:
    if user.has_usable_password():
        log_account_change(request, user, AccountEvent.Action.PASSWORD_SET)
        notify([user], "account.password_set", None, actor=request.user, url=reverse("account_change_password"))
    else:
        log_account_change(request, user, AccountEvent.Action.PASSWORD_DISABLED)


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(BaseGroupAdmin):
    """Roles are groups made by a migration, and are checked by name: renaming one, or adding
    permissions to the group administrators' own role, would hand out powers. Superusers
    only; group administrators see them read-only."""

    list_display = ["name", "label"]

    @admin.display(description=_("role"))
    def label(self, obj: Group) -> str:
        return role_label(obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    def has_change_permission(self, request: HttpRequest, obj: Group | None = None) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request: HttpRequest, obj: Group | None = None) -> bool:
        return request.user.is_superuser
