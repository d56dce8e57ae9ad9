"""Create the portal's roles as groups, and give group administrators the admin rights
they need to manage hospitals, departments, users and roles."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = [
    "grassroots_doctor",
    "specialist",
    "transfer_admin",
    "training_manager",
    "handbook_editor",
    "group_admin",
]

GROUP_ADMIN_MODELS = [
    ("accounts", "hospital"),
    ("accounts", "department"),
    ("accounts", "user"),
    ("auth", "group"),
]


def create_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    # Permissions are normally made after all migrations; make them now so that the
    # group administrators' rights can be granted in this migration.
    for label in ("accounts", "auth"):
        app_config = apps.get_app_config(label)
        app_config.models_module = True  # the migration state's stub lacks it
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    for role in ROLES:
        Group.objects.get_or_create(name=role)
    group_admin = Group.objects.get(name="group_admin")
    for app_label, model in GROUP_ADMIN_MODELS:
        group_admin.permissions.add(
            *Permission.objects.filter(content_type__app_label=app_label, content_type__model=model)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
