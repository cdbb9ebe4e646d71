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
        parser.add_argument("--workers", type=int,
                            default=int(os.environ.get("WEB_WORKERS", WORKERS)))
        parser.add_argument("--threads", type=int, default=THREADS)

    def handle(self, *args, bind: str, workers: int, threads: int, **options):
        # Hashed, compressed copies of the static files, so browsers may cache them forever;
        # the server processes started below find the manifest and use the hashed names.
        manifest = {**settings.STORAGES, "staticfiles": {
            "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}}
        with override_settings(STORAGES=manifest):
            call_command("collectstatic", interactive=False, verbosity=0)
        self.stdout.write(f"openita on http://{bind}/  (Ctrl+C stops it)")
        sys.stdout.flush()
        os.execv(sys.executable, gunicorn_argv(APPLICATION, bind, workers, threads))


APPLICATION = "openita.site.wsgi:application"
# One worker process per core of a two-core server, each with a few threads for requests
# that wait on the database (measured in bench/submit.py: more processes than cores cost
# more CPU per request in switching than they gain).
WORKERS = 2
THREADS = 4


def gunicorn_argv(application: str, bind: str, workers: int, threads: int) -> list[str]:
    """How openita runs gunicorn (bench/submit.py starts its comparison apps the same way):
    the application loaded once before the workers fork, an access log on stdout."""
    return [sys.executable, "-m", "gunicorn", application, "--bind", bind,
            "--workers", str(workers), "--threads", str(threads), "--preload",
            "--access-logfile", "-", "--log-level", "warning"]
