"""Refuse DELETE of retained records in PostgreSQL (R20).

Offerings, subscriptions, acknowledgements, money movements and the other records
that R20 keeps are superseded, never deleted; the audit log, the ledger and the
documents already refuse it (their own migrations). A purge after the retention
period is an operator's deliberate act: drop the trigger in a maintenance window.
TRUNCATE (the test suite's flush) fires no row trigger. SQLite keeps DELETE for
the suite's flush; there the ORM's guard (equity.security) refuses it.
"""

from django.db import migrations

TABLES = [
    "accounts_portalstatusacknowledgement",
    "compliance_rulebook",
    "escrow_ledgeraccount",
    "escrow_payment",
    "escrow_disbursement",
    "escrow_securityholding",
    "investors_investorprofile",
    "investors_suitabilitydetermination",
    "investors_riskacknowledgementform",
    "investors_subscription",
    "investors_riskacknowledgement",
    "investors_notice",
    "offerings_issuer",
    "offerings_principal",
    "offerings_disqualificationoverride",
    "offerings_offering",
    "offerings_offeringamendment",
]

FUNCTION = """
CREATE OR REPLACE FUNCTION equity_refuse_delete_retained() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'records are kept for the retention period (R20): % on %',
        TG_OP, TG_TABLE_NAME;
END
$$ LANGUAGE plpgsql;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(FUNCTION)
        for table in TABLES:
            cursor.execute(
                f"CREATE TRIGGER {table}_retained BEFORE DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION equity_refuse_delete_retained();"
            )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f"DROP TRIGGER IF EXISTS {table}_retained ON {table};")
        cursor.execute("DROP FUNCTION IF EXISTS equity_refuse_delete_retained();")


class Migration(migrations.Migration):
    dependencies = [
        ("escrow", "0002_ledger_protection"),
        ("accounts", "0002_portal_status_acknowledgement"),
        ("compliance", "0003_idempotencyrecord"),
        ("investors", "0002_shipped_risk_acknowledgement_form"),
        ("offerings", "0002_remove_offering_offering_state_known_and_more"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
