"""``openita release-figures``: release the collection figures of every agency that is due."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from openita.calendars import services as calendar
from openita.surveys import release


class Command(BaseCommand):
    help = ("Release the survey counts and provisional scores that people outside NACC see, "
            "for every agency whose interval has passed and that has a batch of new "
            "responses (run daily, with remind-collection).")

    def handle(self, *args, **options):
        year = calendar.current_year()
        if year is None or year.framework is None:
            raise CommandError("No open assessment year with a framework.")
        before = {key: r.number for key, r in
                  release.releases_of_year(year, make_due=False).items()}
        after = release.releases_of_year(year, make_due=True)
        made = sum(1 for key, r in after.items() if before.get(key) != r.number)
        self.stdout.write(f"Figures released now: {made} (of {len(after)} in all).")
