"""The Celery application; it reads the ``CELERY_*`` Django settings when first used."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "exchange.settings")

app = Celery("exchange")
# Both calls are lazy: settings are read and task modules imported only when
# the app is first configured (a worker starting, a task being sent).
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
