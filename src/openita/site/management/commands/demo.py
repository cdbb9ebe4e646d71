"""``openita demo``: migrate, fill a small demo country once, print sign-ins, start the
background worker and serve."""

from __future__ import annotations

import ctypes
import ctypes.util
import signal
import subprocess
import sys

from django.core.management import call_command
from django.core.management.base import BaseCommand

from openita.agencies.models import Agency
from openita.site import demo
from openita.site.management.commands.demo_data import print_personas


class Command(BaseCommand):
    help = "Start the embedded demo (SQLite, demo data, http://127.0.0.1:8000)."

    def add_arguments(self, parser):
        parser.add_argument("--agencies", type=int, default=300)
        parser.add_argument("--seed", type=int, default=2568)
        parser.add_argument("--bind", default="127.0.0.1:8000")
        parser.add_argument("--no-serve", action="store_true")

    def handle(self, *args, agencies: int, seed: int, bind: str, no_serve: bool, **options):
        call_command("migrate", interactive=False, verbosity=0)
        if not Agency.objects.exists():
            self.stdout.write("Building the demo country …")
            call_command("demo_data", agencies=agencies, seed=seed, stdout=self.stdout)
        else:
            personas, demo_agency = demo.existing_personas()
            print_personas(self.stdout, personas, demo_agency, demo.survey_demo_label())
        if not no_serve:
            start_worker(self.stdout)
            call_command("serve", bind=bind)


def start_worker(stdout) -> subprocess.Popen:
    """The background worker of the embedded demo, as a child process: without Redis its
    queue is a folder of message files (settings.CELERY_BROKER_URL), so the web server hands
    it evidence to fetch exactly as in production. It stops with the server (Ctrl+C reaches
    both; on Linux it is also told to stop when its parent exits)."""
    command = [sys.executable, "-m", "openita.cli", "worker", "--concurrency", "4"]
    process = subprocess.Popen(command, preexec_fn=_die_with_parent)
    stdout.write(f"Background worker started (process {process.pid}).")
    return process


def _die_with_parent() -> None:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: Ctrl+C still stops both
        pass
