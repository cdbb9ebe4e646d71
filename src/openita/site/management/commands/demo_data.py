"""``openita demo-data --agencies N --seed S``: build the demo country."""

from __future__ import annotations

import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from openita.site import demo


class Command(BaseCommand):
    help = "Generate a deterministic demo country (agencies, people, an open year)."

    def add_arguments(self, parser):
        parser.add_argument("--agencies", type=int, default=300)
        parser.add_argument("--seed", type=int, default=2568)
        parser.add_argument("--flush", action="store_true",
                            help="empty the database first (destroys all data)")

    def handle(self, *args, agencies: int, seed: int, flush: bool, **options):
        if flush:
            call_command("flush", interactive=False, verbosity=0)
        started = time.perf_counter()
        try:
            result = demo.generate(agencies, seed)
        except ValueError as error:
            raise CommandError(str(error)) from error
        seconds = time.perf_counter() - started
        self.stdout.write(
            f"Demo country: {result.agencies} agencies, {result.users} people, "
            f"open year {result.year} (seed {seed}, {seconds:.1f} s)"
        )
        print_personas(self.stdout, result.personas, result.demo_agency, result.survey_agency)
        print_oit(self.stdout, result.oit)
        if result.results:
            self.stdout.write("Results:")
            for line in result.results:
                self.stdout.write(f"  {line}")


def print_personas(out, personas: dict[str, str], demo_agency: str, survey: str = "") -> None:
    labels = {
        "nacc": "NACC admin", "consultant": "consultant", "lead": "consultant team lead",
        "oversight.province": "oversight (province)",
        "oversight.ministry": "oversight (ministry)",
        "admin": "agency admin", "executive": "agency executive",
    }
    out.write(f"Sign in (password for every demo account: {demo.DEMO_PASSWORD})")
    for key, label in labels.items():
        if key in personas:
            out.write(f"  {label:<22} {personas[key]}")
    two_factor = [labels[k] for k in demo.TWO_FACTOR_PERSONAS if k in personas]
    if two_factor:
        out.write(f"  two-factor sign-in ({', '.join(two_factor)}): the code from an "
                  f"authenticator app with the key {demo.demo_totp_secret()}, or run "
                  f"`openita demo-code`")
    if demo_agency:
        out.write(f"  demo agency            {demo_agency}")
    if survey:
        out.write(f"  surveys open now       {survey}")


def print_oit(out, lines: list[str]) -> None:
    """The agencies to try each step of the OIT on (every window is open in the demo)."""
    if not lines:
        return
    out.write("OIT in every state (consultant and lead review these; each agency's admin is "
              "admin.<code>@openita.demo, its executive exec.<code>@openita.demo):")
    for line in lines:
        out.write(f"  {line}")
