"""The Celery application: openita's background work (evidence capture, link checks,
the preliminary release). Configured from Django's settings (``CELERY_*``); ``openita
worker`` runs a worker, ``openita demo`` starts one beside the embedded web server."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openita.settings")

app = Celery("openita")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["openita.disclosure", "openita.surveys", "openita.results"])
