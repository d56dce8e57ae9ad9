"""The security administrator and audit administrator roles (等保 2.0 三级 separation of duties)."""

from django.db import migrations

ROLES = ["security_admin", "audit_admin"]


def create_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for role in ROLES:
        Group.objects.get_or_create(name=role)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_user_manager")]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
