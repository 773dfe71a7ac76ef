"""The project's top layer: settings, root URLs, the Celery app, WSGI/ASGI, the dashboard and the
admin site. It may import every app; no app imports it."""

# Load the Celery app whenever Django starts, so @shared_task binds to it.
from config.celery import app as celery_app

__all__ = ("celery_app",)
