"""Ship the two rulebooks, start the audit chain, and make audit events append-only.

PostgreSQL refuses UPDATE and DELETE of an audit event with a trigger. SQLite
refuses UPDATE; a DELETE there (which the test suite's flush needs) is caught
by the chain's verification as a missing event.
"""

from django.db import migrations

from equity.compliance.shipped import install_shipped_rulebooks

GENESIS_HASH = "0" * 64

POSTGRES_PROTECT = """
CREATE OR REPLACE FUNCTION compliance_refuse_audit_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only (P02)';
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER compliance_auditevent_append_only
    BEFORE UPDATE OR DELETE ON compliance_auditevent
    FOR EACH ROW EXECUTE FUNCTION compliance_refuse_audit_change();
"""
POSTGRES_UNPROTECT = """
DROP TRIGGER IF EXISTS compliance_auditevent_append_only ON compliance_auditevent;
DROP FUNCTION IF EXISTS compliance_refuse_audit_change();
"""
SQLITE_PROTECT = """
CREATE TRIGGER compliance_auditevent_append_only
BEFORE UPDATE ON compliance_auditevent
BEGIN
    SELECT RAISE(ABORT, 'audit events are append-only (P02)');
END;
"""
SQLITE_UNPROTECT = "DROP TRIGGER IF EXISTS compliance_auditevent_append_only;"


def forwards(apps, schema_editor):
    install_shipped_rulebooks(apps.get_model("compliance", "Rulebook"))
    apps.get_model("compliance", "AuditHead").objects.get_or_create(
        pk=1, defaults={"seq": 0, "hash": GENESIS_HASH}
    )
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_PROTECT)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_PROTECT)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_UNPROTECT)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_UNPROTECT)


class Migration(migrations.Migration):
    dependencies = [("compliance", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
