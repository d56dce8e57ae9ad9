"""Searches logged before the handbook redacted them: their identifiers taken out too."""

from django.db import migrations


def redact(apps, schema_editor):
    from cloudpeds.core.identifiers import redact_identifiers

    SearchLog = apps.get_model("handbook", "SearchLog")
    for log in SearchLog.objects.only("pk", "query").iterator(chunk_size=2000):
        redacted = redact_identifiers(log.query)
        if redacted != log.query:
            SearchLog.objects.filter(pk=log.pk).update(query=redacted)


class Migration(migrations.Migration):
    dependencies = [("handbook", "0004_normalise_stored_texts")]

    operations = [migrations.RunPython(redact, migrations.RunPython.noop)]
