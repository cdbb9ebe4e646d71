"""``openita serve``: the production app server (gunicorn) on this machine."""

from __future__ import annotations

import os
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.test.utils import override_settings


class Command(BaseCommand):
    help = "Serve openita with gunicorn (default http://127.0.0.1:8000)."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=os.environ.get("OPENITA_BIND", "127.0.0.1:8000"))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_WORKERS", 2)))
        parser.add_argument("--threads", type=int, default=4)

    def handle(self, *args, bind: str, workers: int, threads: int, **options):
        # Hashed, compressed copies of the static files, so browsers may cache them forever;
        # the server processes started below find the manifest and use the hashed names.
        manifest = {**settings.STORAGES, "staticfiles": {
            "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}}
        with override_settings(STORAGES=manifest):
            call_command("collectstatic", interactive=False, verbosity=0)
        self.stdout.write(f"openita on http://{bind}/  (Ctrl+C stops it)")
        sys.stdout.flush()
        argv = [sys.executable, "-m", "gunicorn", "openita.site.wsgi:application", "--bind", bind,
                "--workers", str(workers), "--threads", str(threads), "--preload",
                "--access-logfile", "-", "--log-level", "warning"]
        os.execv(sys.executable, argv)
