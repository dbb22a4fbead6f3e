"""The balance reconciliation as a django-celery-beat schedule, so admins see and edit it
(the embedded exchange reads the same row: matching/periodic.py)."""

from django.db import migrations

NAME = "Balance reconciliation"
TASK = "accounts.tasks.reconcile_balances"
SECONDS = 300


def create(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    interval = IntervalSchedule.objects.filter(every=SECONDS, period="seconds").first()
    if interval is None:
        interval = IntervalSchedule.objects.create(every=SECONDS, period="seconds")
    PeriodicTask.objects.get_or_create(name=NAME, defaults={"task": TASK, "interval": interval})


def remove(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_funds"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(create, remove)]
