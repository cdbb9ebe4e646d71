"""The consultants' queue counts (answers per state and item), kept in the cache per agency
group until a change in the group alters them.

Counting a team's answers, or the nation's, is the dearest part of the queue: tens of
thousands of rows on every page. The counts change only when an answer's state or second
review changes, and each service function that makes such a change calls ``changed`` with
the agency. That gives the agency's group a new version: at once (so the same transaction
reads its own change) and again once the transaction has committed. A page reads the
versions of its groups before it counts, and stores what it counted under them; a count
made before a commit is therefore stored under a version that no page asks for after it.

Counts are kept per group, so a change in one group has only that group counted again:
the nation's queue after a decision counts one group's answers, not every answer. Stored
counts also expire after ``COUNTS_SECONDS``: that bounds what no service function covers,
such as an agency moved to another group or province in the registry. Without a working
cache the page counts every time.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Callable, Iterable
from typing import Any

from django.core.cache import cache
from django.db import transaction

log = logging.getLogger(__name__)

COUNTS_SECONDS = 300
Counts = dict[tuple[str, str], int]  # (state, item code) -> answers


def _version_key(year_id: int, group_id: int | None) -> str:
    return f"oit-queue-v:{year_id}:{group_id if group_id is not None else '-'}"


def _bump(keys: list[str]) -> None:
    try:
        cache.set_many({key: secrets.token_hex(8) for key in keys}, timeout=None)
    except Exception:  # a cache that fails must not undo the change that was made
        log.exception("OIT queue counts: the cache refused a new version")


def changed(year_id: int, group_ids: Iterable[int | None]) -> None:
    """Answers of agencies in these groups changed state or second review in ``year_id``:
    the groups' counts are out of date, now and after the commit."""
    keys = sorted({_version_key(year_id, g) for g in group_ids})
    _bump(keys)
    transaction.on_commit(lambda: _bump(keys))


def changed_agency(agency: Any, year_id: int) -> None:
    changed(year_id, [agency.group_id])


def _versions(year_id: int, groups: list[int | None]) -> dict[int | None, str]:
    keys = {group: _version_key(year_id, group) for group in groups}
    found = cache.get_many(list(keys.values()))
    for key in keys.values():
        if key in found:
            continue
        token = secrets.token_hex(8)
        # add, not set: another process may have given the key its first version already.
        found[key] = token if cache.add(key, token, timeout=None) else cache.get(key, token)
    return {group: str(found[key]) for group, key in keys.items()}


def _counts_key(year_id: int, group: int | None, described: str, version: str) -> str:
    return "oit-queue-counts:" + hashlib.sha256(
        f"{year_id}|{group}|{described}|{version}".encode()).hexdigest()


def cached(year_id: int, groups: list[int | None], filters: dict[str, Any],
           count: Callable[[list[int | None]], dict[int | None, Counts]]) -> Counts:
    """The counts of ``groups`` (None: agencies in no group) for these filters: each
    group's from the cache while no change has been made in it since it was counted, the
    others by ``count(groups not kept)`` (one query), the whole summed."""
    try:
        versions = _versions(year_id, groups)
        described = repr(sorted((k, str(v)) for k, v in filters.items() if v))
        keys = {g: _counts_key(year_id, g, described, versions[g]) for g in groups}
        stored = cache.get_many(list(keys.values()))
    except Exception:
        log.exception("OIT queue counts: no cache, counting")
        return _summed(count(groups).values())
    per_group = {g: {(s, i): n for s, i, n in stored[keys[g]]}
                 for g in groups if keys[g] in stored}
    missing = [g for g in groups if g not in per_group]
    if missing:
        counted = count(missing)
        fresh = {g: counted.get(g, {}) for g in missing}
        per_group.update(fresh)
        try:
            cache.set_many({keys[g]: [(s, i, n) for (s, i), n in c.items()]
                            for g, c in fresh.items()}, timeout=COUNTS_SECONDS)
        except Exception:
            log.exception("OIT queue counts: the cache refused the counts")
    return _summed(per_group.values())


def _summed(parts: Iterable[Counts]) -> Counts:
    total: Counts = {}
    for part in parts:
        for key, n in part.items():
            total[key] = total.get(key, 0) + n
    return total
