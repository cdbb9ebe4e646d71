"""``openita framework validate FILE | list | show ID | load ID [--year FY]``."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from openita.calendars import services as calendar
from openita.calendars.models import AssessmentYear
from openita.core.audit import SystemActor
from openita.core.errors import ActionRefused
from openita.frameworks import loader, outline, services
from openita.frameworks.models import FrameworkVersion

LOADER = SystemActor("openita framework load")


class Command(BaseCommand):
    help = "Validate, list, show and load ITA framework versions."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        validate = sub.add_parser("validate", help="check a framework file")
        validate.add_argument("file")
        sub.add_parser("list", help="shipped files and stored versions")
        show = sub.add_parser("show", help="a readable outline")
        show.add_argument("id")
        show.add_argument("--language", default="en", choices=["en", "th"])
        load = sub.add_parser("load", help="store a shipped framework (and give it to a year)")
        load.add_argument("id")
        load.add_argument("--year", type=int, help="fiscal year (B.E.) to use it for")

    def handle(self, *args, action: str, **options):
        try:
            getattr(self, f"_{action}")(**options)
        except loader.FrameworkError as error:
            raise CommandError(str(error)) from None
        except ActionRefused as error:
            raise CommandError(str(error.message)) from None

    def _validate(self, file: str, **options):
        framework = loader.load_file(file)
        cells = sum(len(q.cells) for q in framework.questions)
        self.stdout.write(f"ok: {framework.id} (FY {framework.fiscal_year}): "
                          f"{len(framework.indicators)} indicators, {len(framework.questions)} "
                          f"questions ({cells} answers), {len(framework.oit_items)} OIT items, "
                          f"{len(framework.rating)} rating levels")

    def _list(self, **options):
        stored = {v.code: v for v in FrameworkVersion.objects.all()}
        for code, path in loader.shipped().items():
            try:
                framework = loader.get(code)
            except loader.FrameworkError as error:
                self.stdout.write(f"{code:<16} INVALID  {error}")
                continue
            state = stored[code].get_status_display() if code in stored else "not loaded"
            note = " (parts not confirmed)" if framework.unconfirmed else ""
            self.stdout.write(f"{code:<16} FY {framework.fiscal_year}  {path.name}  "
                              f"[{state}]{note}")
        for code, version in stored.items():
            if code not in loader.shipped():
                self.stdout.write(f"{code:<16} FY {version.fiscal_year}  {version.source}  "
                                  f"[{version.get_status_display()}]")

    def _show(self, id: str, language: str, **options):
        version = FrameworkVersion.objects.filter(code=id).first()
        framework = services.framework_of(version) if version else loader.get(id)
        self.stdout.write("\n".join(outline.lines(framework, language)))

    @transaction.atomic
    def _load(self, id: str, year: int | None, **options):
        version = services.load_shipped(id, acting_user=LOADER)
        self.stdout.write(f"loaded {version.code} (checksum {version.checksum[:12]})")
        if year is not None:
            target = AssessmentYear.objects.filter(fiscal_year=year).first()
            if target is None:
                raise CommandError(f"no assessment year {year}")
            calendar.attach_framework(target, version, acting_user=LOADER)
            self.stdout.write(f"year {year} now uses {version.code}")

