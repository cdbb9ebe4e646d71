"""The WSGI application: Django, with the survey submission fast path in front of it."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openita.settings")
django_application = get_wsgi_application()

from openita.surveys.fastpath import SubmissionFastPath  # noqa: E402 - needs Django set up

application = SubmissionFastPath(django_application)
