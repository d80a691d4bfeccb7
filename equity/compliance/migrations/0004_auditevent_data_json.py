"""Store each audit event's data as its canonical JSON text, the bytes its hash covers.

Every existing event gets as ``data_json`` exactly the text the canonical form
put in its hash for ``data`` (sorted keys, compact, UTF-8 as it is), so every
chain written before this migration still verifies after it. The encoder is
written out here rather than imported: this migration must go on producing
the text the hashes were computed over, whatever the code later becomes.

The append-only trigger would refuse filling the new column, and on SQLite
adding a column rebuilds the table, which drops the table's triggers. So the
protection is lifted explicitly as the first step and put back as the last,
all inside the migration's one transaction: no other connection ever sees
the table unprotected.
"""

import json

from django.db import migrations, models

BATCH = 1_000

# The canonical text of ``data``, as ``equity.compliance.audit`` hashed it before this
# migration and stores it after.
canonical_json = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
).encode

POSTGRES_LIFT = (
    "ALTER TABLE compliance_auditevent DISABLE TRIGGER compliance_auditevent_append_only"
)
POSTGRES_RESTORE = (
    "ALTER TABLE compliance_auditevent ENABLE TRIGGER compliance_auditevent_append_only"
)
SQLITE_LIFT = "DROP TRIGGER IF EXISTS compliance_auditevent_append_only"
SQLITE_RESTORE = """
CREATE TRIGGER compliance_auditevent_append_only
BEFORE UPDATE ON compliance_auditevent
BEGIN
    SELECT RAISE(ABORT, 'audit events are append-only (P02)');
END;
"""


def lift_protection(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_LIFT)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_LIFT)


def restore_protection(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_RESTORE)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_RESTORE)


def _rewrite(apps, schema_editor, source, target, convert):
    AuditEvent = apps.get_model("compliance", "AuditEvent")
    events = (
        AuditEvent.objects.using(schema_editor.connection.alias).only("pk", source).order_by("pk")
    )
    batch = []
    for event in events.iterator(chunk_size=BATCH):
        setattr(event, target, convert(getattr(event, source)))
        batch.append(event)
        if len(batch) == BATCH:
            AuditEvent.objects.using(schema_editor.connection.alias).bulk_update(batch, [target])
            batch.clear()
    if batch:
        AuditEvent.objects.using(schema_editor.connection.alias).bulk_update(batch, [target])


def store_canonical_text(apps, schema_editor):
    _rewrite(apps, schema_editor, "data", "data_json", canonical_json)


def restore_json_data(apps, schema_editor):
    _rewrite(apps, schema_editor, "data_json", "data", json.loads)


class Migration(migrations.Migration):
    dependencies = [("compliance", "0003_idempotencyrecord")]

    operations = [
        migrations.RunPython(lift_protection, restore_protection),
        migrations.AddField(
            model_name="auditevent",
            name="data_json",
            field=models.TextField(default="{}", verbose_name="data (canonical JSON)"),
        ),
        migrations.RunPython(store_canonical_text, restore_json_data),
        migrations.RemoveField(model_name="auditevent", name="data"),
        migrations.RunPython(restore_protection, lift_protection),
    ]
