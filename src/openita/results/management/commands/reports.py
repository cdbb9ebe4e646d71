"""``openita reports``: print the agency reports of a year as PDF files — one agency, a
province, a ministry's agencies, or every agency — with a pool of worker processes.

    openita reports 2569 --province 50 --out reports/
    openita reports 2569 --agency SAO-00001 --agency SAO-00002 --out reports/

Each file is the same PDF an agency downloads from its report page. An agency without a
final result that year is listed and skipped. The command runs on the server, for NACC and
provincial offices that print or mail a batch; the web pages stay the way people read one.
"""

from __future__ import annotations

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from openita.agencies.models import Agency, Province
from openita.calendars.models import AssessmentYear
from openita.results.report_batch import print_reports


class Command(BaseCommand):
    help = "Print agency reports of a year as PDF files (a province, agencies, or all)."

    def add_arguments(self, parser):
        parser.add_argument("fiscal_year", type=int)
        parser.add_argument("--out", required=True, type=Path, help="folder for the PDFs")
        parser.add_argument("--province", help="province code: its agencies")
        parser.add_argument("--ministry", help="agency code of a ministry: the agencies "
                                               "under it")
        parser.add_argument("--agency", action="append", default=[], help="agency code")
        parser.add_argument("--all", action="store_true", help="every agency of the year")
        parser.add_argument("--workers", type=int, default=0,
                            help="processes (default: one per core)")
        parser.add_argument("--thai-digits", action="store_true")

    def handle(self, *args, fiscal_year: int, out: Path, province: str | None,
               ministry: str | None, agency: list[str], all: bool, workers: int,
               thai_digits: bool, **options):
        year = AssessmentYear.objects.filter(fiscal_year=fiscal_year).first()
        if year is None:
            raise CommandError(f"No assessment year {fiscal_year}.")
        agencies = self._agencies(year, province, ministry, agency, all)
        started = time.perf_counter()
        printed = skipped = 0
        failed: list[str] = []
        for done in print_reports(year, agencies, out, workers=workers,
                                  thai_digits=thai_digits):
            if done.error:
                failed.append(done.agency)
                self.stderr.write(f"{done.agency}: not printed: {done.error}")
            elif done.path is None:
                skipped += 1
                self.stdout.write(f"{done.agency}: no final result in {fiscal_year}")
            else:
                printed += 1
                self.stdout.write(f"{done.agency}: {done.path} ({done.seconds:.2f} s)")
        elapsed = time.perf_counter() - started
        self.stdout.write(self.style.SUCCESS(
            f"{printed} reports printed, {skipped} skipped, in {elapsed:.1f} s"
            + (f" ({elapsed / printed:.2f} s per report)" if printed else "")))
        if failed:
            raise CommandError(f"{len(failed)} reports could not be printed: "
                               f"{', '.join(failed)}")

    def _agencies(self, year: AssessmentYear, province: str | None, ministry: str | None,
                  codes: list[str], every: bool) -> list[Agency]:
        chosen = [bool(province), bool(ministry), bool(codes), every]
        if sum(chosen) != 1:
            raise CommandError("Choose one of --province, --ministry, --agency or --all.")
        agencies = Agency.objects.filter(enrolments__year=year).select_related("province")
        if province:
            if not Province.objects.filter(code=province).exists():
                raise CommandError(f"No province with the code {province}.")
            agencies = agencies.filter(province__code=province)
        elif ministry:
            parent = Agency.objects.filter(code=ministry).first()
            if parent is None:
                raise CommandError(f"No agency with the code {ministry}.")
            agencies = agencies.filter(lineage__startswith=parent.lineage).exclude(
                pk=parent.pk)
        elif codes:
            agencies = agencies.filter(code__in=codes)
            missing = sorted(set(codes) - set(agencies.values_list("code", flat=True)))
            if missing:
                raise CommandError(f"Not enrolled in {year.fiscal_year}: "
                                   f"{', '.join(missing)}")
        return list(agencies.order_by("code"))
