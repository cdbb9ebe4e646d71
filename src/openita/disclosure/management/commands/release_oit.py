"""``openita release-oit``: release the OIT decisions of every year whose preliminary
release has begun (the worker's schedule does the same every few minutes)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from openita.disclosure.review import release_due


class Command(BaseCommand):
    help = "Release the reviewed OIT items of years whose preliminary release has begun."

    def handle(self, *args, **options):
        count = release_due()
        self.stdout.write(f"{count} OIT items released")
