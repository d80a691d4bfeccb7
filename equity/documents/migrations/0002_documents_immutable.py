"""Make document records immutable (R20).

PostgreSQL refuses UPDATE and DELETE of a document row with a trigger.
SQLite refuses UPDATE; DELETE stays possible there because the test suite's
flush needs it.
"""

from django.db import migrations

POSTGRES_PROTECT = """
CREATE OR REPLACE FUNCTION documents_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'issued documents are immutable (R20): issue a new version instead';
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER documents_document_immutable
    BEFORE UPDATE OR DELETE ON documents_document
    FOR EACH ROW EXECUTE FUNCTION documents_refuse_change();
"""
POSTGRES_UNPROTECT = """
DROP TRIGGER IF EXISTS documents_document_immutable ON documents_document;
DROP FUNCTION IF EXISTS documents_refuse_change();
"""
SQLITE_PROTECT = """
CREATE TRIGGER documents_document_immutable
BEFORE UPDATE ON documents_document
BEGIN
    SELECT RAISE(ABORT, 'issued documents are immutable (R20): issue a new version instead');
END;
"""
SQLITE_UNPROTECT = "DROP TRIGGER IF EXISTS documents_document_immutable;"


def forwards(apps, schema_editor):
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
    dependencies = [("documents", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
