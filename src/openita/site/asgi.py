"""The ASGI application, for servers that speak ASGI (openita serve uses WSGI)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openita.settings")
application = get_asgi_application()
