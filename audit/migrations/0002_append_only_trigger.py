"""The trigger that refuses UPDATE (and on PostgreSQL DELETE) of audit entries
(audit/triggers.py). Creating it twice changes nothing."""

from django.db import migrations


def create_trigger(apps, schema_editor):
    from audit import triggers

    triggers.create(schema_editor)


def drop_trigger(apps, schema_editor):
    from audit import triggers

    triggers.drop(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunPython(create_trigger, drop_trigger)]
