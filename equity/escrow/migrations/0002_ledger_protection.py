"""The database's own guard of the trust ledger.

PostgreSQL: entries and transactions refuse UPDATE and DELETE; an entry may
only join a ledger transaction written in the same database transaction; and
a deferred constraint trigger checks at commit that each ledger transaction
has at least two entries whose debits equal their credits.
SQLite: entries and transactions refuse UPDATE (the service checks balance;
DELETE stays possible so the test suite can flush, and reconciliation would
show it).
"""

from django.db import migrations

POSTGRES = """
CREATE OR REPLACE FUNCTION escrow_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the trust ledger is append-only (P01): % on %', TG_OP, TG_TABLE_NAME;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER escrow_ledgerentry_append_only BEFORE UPDATE OR DELETE ON escrow_ledgerentry
    FOR EACH ROW EXECUTE FUNCTION escrow_refuse_change();
CREATE TRIGGER escrow_ledgertransaction_append_only
    BEFORE UPDATE OR DELETE ON escrow_ledgertransaction
    FOR EACH ROW EXECUTE FUNCTION escrow_refuse_change();

-- Ledger transactions written in the current database transaction are listed in a
-- transaction-local setting; an entry may only join one of them.
CREATE OR REPLACE FUNCTION escrow_register_open_transaction() RETURNS trigger AS $$
BEGIN
    PERFORM set_config('escrow.open_transactions',
        COALESCE(current_setting('escrow.open_transactions', true), '') || ',' || NEW.id || ',',
        true);
    RETURN NULL;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER escrow_ledgertransaction_register AFTER INSERT ON escrow_ledgertransaction
    FOR EACH ROW EXECUTE FUNCTION escrow_register_open_transaction();

CREATE OR REPLACE FUNCTION escrow_entry_joins_current_transaction() RETURNS trigger AS $$
BEGIN
    IF position(',' || NEW.transaction_id || ','
                IN COALESCE(current_setting('escrow.open_transactions', true), '')) = 0 THEN
        RAISE EXCEPTION 'ledger transaction % is closed: post a new one (P01)',
            NEW.transaction_id;
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER escrow_ledgerentry_same_transaction BEFORE INSERT ON escrow_ledgerentry
    FOR EACH ROW EXECUTE FUNCTION escrow_entry_joins_current_transaction();

CREATE OR REPLACE FUNCTION escrow_transaction_balances() RETURNS trigger AS $$
DECLARE
    imbalance bigint;
    legs bigint;
BEGIN
    SELECT COALESCE(SUM(CASE WHEN side = 'D' THEN amount_cents ELSE -amount_cents END), 0),
           COUNT(*)
      INTO imbalance, legs
      FROM escrow_ledgerentry WHERE transaction_id = NEW.id;
    IF imbalance <> 0 OR legs < 2 THEN
        RAISE EXCEPTION 'ledger transaction % does not balance (% legs, off by %)',
            NEW.id, legs, imbalance;
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;
CREATE CONSTRAINT TRIGGER escrow_ledgertransaction_balanced
    AFTER INSERT ON escrow_ledgertransaction DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION escrow_transaction_balances();
"""

POSTGRES_REVERSE = """
DROP TRIGGER IF EXISTS escrow_ledgertransaction_balanced ON escrow_ledgertransaction;
DROP TRIGGER IF EXISTS escrow_ledgerentry_same_transaction ON escrow_ledgerentry;
DROP TRIGGER IF EXISTS escrow_ledgertransaction_register ON escrow_ledgertransaction;
DROP TRIGGER IF EXISTS escrow_ledgertransaction_append_only ON escrow_ledgertransaction;
DROP TRIGGER IF EXISTS escrow_ledgerentry_append_only ON escrow_ledgerentry;
DROP FUNCTION IF EXISTS escrow_transaction_balances();
DROP FUNCTION IF EXISTS escrow_entry_joins_current_transaction();
DROP FUNCTION IF EXISTS escrow_register_open_transaction();
DROP FUNCTION IF EXISTS escrow_refuse_change();
"""

SQLITE = [
    f"CREATE TRIGGER escrow_{table}_append_only BEFORE UPDATE ON escrow_{table} "
    "BEGIN SELECT RAISE(ABORT, 'the trust ledger is append-only (P01)'); END;"
    for table in ("ledgerentry", "ledgertransaction")
]
SQLITE_REVERSE = [
    f"DROP TRIGGER IF EXISTS escrow_{table}_append_only;"
    for table in ("ledgerentry", "ledgertransaction")
]


def _run(schema_editor, sql):
    # A plain cursor: the PL/pgSQL bodies hold % signs that are not parameters.
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(sql)


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _run(schema_editor, POSTGRES)
    elif vendor == "sqlite":
        for statement in SQLITE:
            schema_editor.execute(statement)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _run(schema_editor, POSTGRES_REVERSE)
    elif vendor == "sqlite":
        for statement in SQLITE_REVERSE:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("escrow", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
