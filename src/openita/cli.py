"""The ``openita`` command: our subcommands plus every Django management command."""

from __future__ import annotations

import os
import sys

ALIASES = {"demo-data": "demo_data", "demo-code": "demo_code",
           "remind-collection": "remind_collection", "release-figures": "release_figures",
           "release-oit": "release_oit"}


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openita.settings")
    args = list(sys.argv if argv is None else argv)
    if len(args) > 1 and args[1] == "score":
        # Scoring needs no database or settings: anyone can recompute a published score.
        from openita.scoring.cli import main as score_main

        sys.exit(score_main(args[2:]))
    if len(args) > 1:
        args[1] = ALIASES.get(args[1], args[1])
    from django.core.management import execute_from_command_line

    execute_from_command_line(["openita", *args[1:]])


if __name__ == "__main__":
    main()
