"""``openita worker``: a Celery worker for openita's background work (evidence capture,
link checks, the scheduled OIT release), with the schedule unless ``--no-beat``.

Run as many as needed on any machine that shares the database, REDIS_URL (the broker) and
the evidence storage; exactly one of them should keep the schedule (``--beat``, the
default for a single worker), the others run with ``--no-beat``.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand

from openita.celery import app


class Command(BaseCommand):
    help = "Run a background worker (Celery)."

    def add_arguments(self, parser):
        parser.add_argument("--concurrency", type=int, default=4)
        parser.add_argument("--no-beat", action="store_true",
                            help="do not keep the schedule (another worker does)")
        parser.add_argument("--loglevel", default="warning")
        parser.add_argument("--queues", default="celery,snapshots",
                            help="the queues to take work from (snapshots: pictures of kept "
                                 "pages, which may have workers of their own)")

    def handle(self, *args, concurrency: int, no_beat: bool, loglevel: str, queues: str,
               **options):
        argv = worker_argv(concurrency=concurrency, beat=not no_beat, loglevel=loglevel,
                           queues=queues)
        app.worker_main(argv)


def worker_argv(*, concurrency: int, beat: bool, loglevel: str,
                queues: str = "celery,snapshots") -> list[str]:
    """The Celery worker's arguments. Threads, not forked processes: the work waits on
    agencies' web servers, not on the CPU, and threads share one database connection pool
    per process."""
    argv = ["worker", "--pool", "threads", "--concurrency", str(concurrency),
            "--loglevel", loglevel, "--without-gossip", "--without-mingle",
            "--queues", queues]
    if beat:
        schedule = settings.DATA_DIR / "celerybeat-schedule"
        argv += ["--beat", "--schedule", str(schedule)]
    return argv
