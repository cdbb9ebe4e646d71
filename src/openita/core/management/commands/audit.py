"""``openita audit verify``: check the hash chain of the audit log."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from openita.core.audit import verify_chain


class Command(BaseCommand):
    help = "Audit log tools. 'verify' recomputes the hash chain and reports the first break."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args, action: str, **options):
        report = verify_chain()
        if not report.intact:
            raise CommandError(
                f"audit chain BROKEN at entry #{report.first_broken_id}: {report.problem} "
                f"({report.checked} entries before it are intact)"
            )
        self.stdout.write(f"audit chain intact: {report.checked} entries")
