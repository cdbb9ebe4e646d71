"""Start-up checks for what the survey code needs of the database."""

from __future__ import annotations

import sqlite3

from django.core.checks import Error, register
from django.db import connections

# services._insert_once stores a response with INSERT … ON CONFLICT … RETURNING.
SQLITE_NEEDED = (3, 35, 0)


@register()
def sqlite_can_store_responses(app_configs, **kwargs) -> list[Error]:
    uses_sqlite = any(connections[alias].vendor == "sqlite" for alias in connections)
    if uses_sqlite and sqlite3.sqlite_version_info < SQLITE_NEEDED:
        return [Error(
            f"SQLite {sqlite3.sqlite_version} cannot store survey responses "
            f"(INSERT … RETURNING needs {'.'.join(map(str, SQLITE_NEEDED))} or later).",
            hint="Use a newer Python/SQLite, or PostgreSQL (DATABASE_URL).",
            id="openita.surveys.E001")]
    return []
