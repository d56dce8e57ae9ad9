"""Take identifiers out of the search queries stored before the search view redacted them."""

from django.db import migrations

BATCH = 2000


def redact_old_queries(apps, schema_editor):
    from cloudpeds.core.identifiers import redact_identifiers

    SearchLog = apps.get_model("handbook", "SearchLog")
    changed = []
    for row in SearchLog.objects.only("pk", "query").iterator(chunk_size=BATCH):
        redacted = redact_identifiers(row.query)[:200]
        if redacted != row.query:
            row.query = redacted
            changed.append(row)
        if len(changed) >= BATCH:
            SearchLog.objects.bulk_update(changed, ["query"])
            changed = []
    if changed:
        SearchLog.objects.bulk_update(changed, ["query"])


class Migration(migrations.Migration):
    dependencies = [("handbook", "0004_normalise_stored_texts")]

    # Irreversible in content: what was taken out is gone; going back leaves the rows as they are.
    operations = [migrations.RunPython(redact_old_queries, migrations.RunPython.noop)]
