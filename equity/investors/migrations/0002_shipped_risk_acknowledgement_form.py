"""Ship the Form 45-110F2 statements (R15) as data."""

from django.db import migrations

from equity.investors.shipped import install_shipped_form


def forwards(apps, schema_editor):
    install_shipped_form(apps.get_model("investors", "RiskAcknowledgementForm"))


class Migration(migrations.Migration):
    dependencies = [("investors", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
