"""``openita write-open-data FY``: write the open-data files of a published year again —
after NACC has excluded a response from it (one that names a person, say), since the files
are written once, at the publication."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from openita.calendars.models import AssessmentYear
from openita.results import opendata


class Command(BaseCommand):
    help = "Write the open-data files of a published year again."

    def add_arguments(self, parser):
        parser.add_argument("fiscal_year", type=int)

    def handle(self, *args, fiscal_year: int, **options):
        year = AssessmentYear.objects.filter(fiscal_year=fiscal_year).first()
        if year is None or not hasattr(year, "publication"):
            raise CommandError(f"The results of {fiscal_year} are not published.")
        for written in opendata.write_files(year):
            self.stdout.write(f"{written}: {written.rows} rows, "
                              f"{written.size} bytes")
