"""The exchange project: settings, ASGI entry point, URLs and the Celery app."""

# Importing the app here makes @shared_task bind to it in every Django process.
from exchange.celery import app as celery_app

__all__ = ["celery_app"]
