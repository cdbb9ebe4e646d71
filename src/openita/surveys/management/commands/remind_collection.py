"""``openita remind-collection``: e-mail agencies whose surveys will miss a minimum."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from openita.calendars import services as calendar
from openita.core.audit import SystemActor
from openita.surveys import reminders


class Command(BaseCommand):
    help = ("E-mail the admins and executives of agencies whose IIT or EIT will close below "
            "its minimum at the current pace (run daily; each agency at most every "
            "OPENITA_REMINDER_INTERVAL_DAYS days).")

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true",
                            help="list the agencies that are due, send nothing")

    def handle(self, *args, dry_run: bool, **options):
        year = calendar.current_year()
        if year is None or year.framework is None:
            raise CommandError("No open assessment year with a framework.")
        if dry_run:
            for item in reminders.due_reminders(year):
                short = ", ".join(f"{s.instrument} {s.count}/{s.minimum} (~{s.forecast})"
                                  for s in item.shortfalls)
                self.stdout.write(f"{item.enrolment.agency.code}  {short}")
            return
        sent = reminders.send_reminders(
            year, acting_user=SystemActor("openita remind-collection"),
            site_url=settings.OPENITA_SITE_URL)
        self.stdout.write(f"Reminded {sent.agencies} agencies ({sent.people} people).")
        if sent.failed:
            raise CommandError(f"The mail to {sent.failed} agencies could not be sent.")
