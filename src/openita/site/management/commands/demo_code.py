"""``openita demo-code``: the demo personas' current two-factor code.

The demo's NACC admin, consultant and executive sign in with two factors, as those roles
must; their key is the demo's public key (see ``openita.site.demo``), so printing its code
gives nothing away. Accounts that are not demo personas have their own keys, which no
command prints.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from openita.site import demo


class Command(BaseCommand):
    help = "Print the current two-factor code of the demo's NACC admin, consultant and executive."

    def handle(self, *args, **options):
        self.stdout.write(demo.demo_totp_code())
