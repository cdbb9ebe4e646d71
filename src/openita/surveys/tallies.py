"""The answer counts per cell of agencies' counted responses, as the results are computed
from them: counted in the database (one grouped query per instrument for a batch of
enrolments, never one per response) and kept, so a computation counts again only the
enrolments whose responses changed since.

A kept count (``CellTally``) names the response version it counted; a trigger gives the
version a new value on every change to a response of the enrolment and instrument. The
version is read *before* the responses are counted, so a response added while counting
makes the kept count's version an old one, and the next computation counts again.

A migration that makes SQLite rebuild ``surveys_response`` (most column changes do) drops
its triggers with the old table: such a migration must make them again (the tests of
``tests/results/test_tallies.py`` fail if it does not).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db import connection, transaction
from django.db.models import F

from .models import CellTally, Instrument, Response, ResponseVersion

# Room to count in memory (a hash of the groups) rather than to sort on disk; the default
# of 4 MB makes PostgreSQL sort tens of millions of rows to count a batch.
COUNT_WORK_MEM = "256MB"


def counted(instrument: str, ids: list[int]) -> dict[int, dict[str, Any]]:
    """``{enrolment id: {"n": responses, "cells": {cell: {answer: count}}}}`` for the
    enrolments of ``ids`` that have counted responses in ``instrument``."""
    versions = dict(ResponseVersion.objects.filter(
        instrument=instrument, enrolment_id__in=ids).values_list("enrolment_id", "version"))
    found: dict[int, dict[str, Any]] = {}
    stale = set(ids)
    for enrolment_id, version, n, cells in CellTally.objects.filter(
            instrument=instrument, enrolment_id__in=ids).values_list(
            "enrolment_id", "version", "n", "cells"):
        if version == versions.get(enrolment_id, 0):
            stale.discard(enrolment_id)
            if n:
                found[enrolment_id] = {"n": n, "cells": cells}
    if stale:
        fresh = count(instrument, sorted(stale))
        _keep(instrument, {e: versions.get(e, 0) for e in stale}, fresh)
        found.update(fresh)
    return found


def refresh(year_id: int, batch: int = 500) -> int:
    """Count again, for every survey instrument, the enrolments of the year whose responses
    changed since they were last counted (what the schedule does during collection, so a
    computation after the close finds every count made); how many were counted."""
    done = 0
    for instrument in Instrument.values:
        changed = list(ResponseVersion.objects.filter(
            enrolment__year_id=year_id, instrument=instrument).exclude(
            pk__in=_current(instrument, year_id)).order_by("enrolment_id").values_list(
            "enrolment_id", flat=True))
        for start in range(0, len(changed), batch):
            done += len(counted(instrument, changed[start:start + batch]))
    return done


def _current(instrument: str, year_id: int) -> Any:
    """The versions whose kept count is of that very version."""
    from django.db.models import OuterRef, Subquery

    kept = CellTally.objects.filter(enrolment_id=OuterRef("enrolment_id"),
                                    instrument=instrument).values("version")[:1]
    return ResponseVersion.objects.filter(
        enrolment__year_id=year_id, instrument=instrument).annotate(
        kept=Subquery(kept)).filter(kept=F("version")).values("pk")


def count(instrument: str, ids: list[int]) -> dict[int, dict[str, Any]]:
    """The counts of these enrolments, counted now: one grouped statement, so the number
    of responses and the answers per cell are read at the same moment (two statements
    would each see the responses committed by then, and could disagree)."""
    found: dict[int, dict[str, Any]] = {}
    if not ids:
        return found
    sql, params = _counts_sql(instrument, ids)
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT set_config('work_mem', %s, true)", [COUNT_WORK_MEM])
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    cells: dict[int, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
    for enrolment_id, key, value, number in rows:
        if key is None:  # the row of the number of responses
            found[enrolment_id] = {"n": number}
        else:
            cells[enrolment_id][key][str(value)] = number
    for enrolment_id, tally in found.items():
        tally["cells"] = {k: dict(v) for k, v in cells[enrolment_id].items()}
    return found


def _counts_sql(instrument: str, ids: list[int]) -> tuple[str, list[Any]]:
    """Per (enrolment, cell, answer): how many counted responses gave that answer; and per
    enrolment, with no cell, how many counted responses there are."""
    marks = ", ".join(["%s"] * len(ids))
    table = Response._meta.db_table
    if connection.vendor == "postgresql":
        expand = f"{table} r CROSS JOIN LATERAL jsonb_each_text(r.answers) AS c(key, value)"
    else:  # SQLite's JSON1
        expand = f"{table} r, json_each(r.answers) AS c"
    where = f"r.instrument = %s AND NOT r.excluded AND r.enrolment_id IN ({marks})"
    return (f"SELECT r.enrolment_id, c.key, c.value, COUNT(*) FROM {expand} WHERE {where} "
            f"GROUP BY r.enrolment_id, c.key, c.value UNION ALL "
            f"SELECT r.enrolment_id, NULL, NULL, COUNT(*) FROM {table} r WHERE {where} "
            f"GROUP BY r.enrolment_id", [instrument, *ids, instrument, *ids])


def _keep(instrument: str, versions: dict[int, int],
          fresh: dict[int, dict[str, Any]]) -> None:
    """Keep the counts just made, each under the version read before counting (an
    enrolment without counted responses keeps a count of none, so it is not counted
    again either)."""
    # In the order of the enrolments: two processes keeping counts of the same agencies
    # lock their rows in the same order, and never wait on each other in a circle.
    tallies = [CellTally(enrolment_id=e, instrument=instrument, version=version,
                         n=fresh[e]["n"] if e in fresh else 0,
                         cells=fresh[e]["cells"] if e in fresh else {})
               for e, version in sorted(versions.items())]
    CellTally.objects.bulk_create(
        tallies, batch_size=1000, update_conflicts=True,
        unique_fields=["enrolment", "instrument"], update_fields=["version", "n", "cells"])
