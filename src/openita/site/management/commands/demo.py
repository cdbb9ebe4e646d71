"""``openita demo``: migrate, fill a small demo country once, print sign-ins, serve."""

from __future__ import annotations

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
            call_command("serve", bind=bind)
