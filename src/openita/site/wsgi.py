"""The WSGI application: Django, every request through its middleware chain."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openita.settings")
application = get_wsgi_application()
