"""The clinical-safety reviewer role (临床安全审核员): owns the handbook's reference cases."""

from django.db import migrations


def create_role(apps, schema_editor):
    apps.get_model("auth", "Group").objects.get_or_create(name="clinical_safety")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0006_merge_round_two")]

    operations = [migrations.RunPython(create_role, migrations.RunPython.noop)]
