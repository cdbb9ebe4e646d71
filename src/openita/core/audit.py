"""Writing and verifying the hash-chained audit log.

``record`` must be called inside the transaction that makes the change, so the change and
its audit row commit or roll back together. Rows are chained: each stores the hash of the
previous one. Writers are serialised (an advisory lock on PostgreSQL, the database write
lock on SQLite) so the chain never forks.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, TypeAlias, TypeVar

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.utils import timezone

from openita.core import locks
from openita.core.models import AuditEntry

GENESIS_HASH = "0" * 64


@dataclass(frozen=True)
class SystemActor:
    """A process that acts on its own, not a person: a daily command, the demo builder.

    Its name is what the audit log shows (``openita remind-collection``)."""

    name: str

    def __str__(self) -> str:
        return self.name


# Who makes a change: a signed-in person (the project's user model) or a system process.
Actor: TypeAlias = AbstractBaseUser | SystemActor

Actions = TypeVar("Actions", bound=type[models.TextChoices])
_ACTIONS: dict[str, models.TextChoices] = {}


def actions(choices: Actions) -> Actions:
    """Class decorator: register an app's audit actions (one ``TextChoices`` per app), so
    ``record`` accepts its members and the audit log can offer them as a filter."""
    for member in choices:
        known = _ACTIONS.get(member.value)
        if known is not None and type(known) is not choices:
            raise ValueError(f"audit action {member.value!r} is registered twice")
        _ACTIONS[member.value] = member
    return choices


def action_choices() -> list[tuple[str, str]]:
    """Every registered action as (value, label), in the order of their values."""
    return [(value, str(member.label)) for value, member in sorted(_ACTIONS.items())]


def action_label(value: str) -> str:
    """The label of a stored action; the value itself for an action no longer registered."""
    member = _ACTIONS.get(value)
    return str(member.label) if member is not None else value


def _canonical(value: Any) -> Any:
    """JSON-safe, order-stable form of a value, so hashing gives the same digest later."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, sort_keys=True))


def _digest(entry: AuditEntry) -> str:
    payload = {
        "at": entry.at.isoformat(),
        "actor": entry.actor_id,
        "actor_label": entry.actor_label,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "object_label": entry.object_label,
        "before": entry.before,
        "after": entry.after,
        "reason": entry.reason,
        "previous": entry.previous_hash,
    }
    encoded = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


def record(
    action: models.TextChoices,
    *,
    actor: Actor,
    obj: Any = None,
    object_type: str = "",
    object_id: str = "",
    before: dict | None = None,
    after: dict | None = None,
    reason: str = "",
) -> AuditEntry:
    """Append one audit row for a change made in the current transaction.

    ``action`` is a member of an app's registered actions (see ``actions``); ``actor`` the
    person or system process that made the change. ``obj`` (a model instance) fills the
    object type, id and label; otherwise pass ``object_type``/``object_id``. Raises if
    called outside a transaction, because an audit row committed apart from its change could
    record something that never happened.
    """
    if _ACTIONS.get(str(action)) is not action:
        raise TypeError(f"{action!r} is not a registered audit action")
    if not isinstance(actor, (AbstractBaseUser, SystemActor)):
        raise TypeError(f"the actor must be a person or a SystemActor, not {actor!r}")
    if not connection.in_atomic_block:
        raise RuntimeError("audit.record must run inside the transaction of the change")
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    locks.hold("audit-chain")
    last = AuditEntry.objects.order_by("-id").values_list("entry_hash", flat=True).first()
    user = actor if isinstance(actor, AbstractBaseUser) else None
    entry = AuditEntry(
        at=timezone.now(),
        actor_id=user.pk if user else None,
        actor_label=(user.get_username() if user else str(actor))[:200],
        action=str(action),
        object_type=object_type,
        object_id=str(object_id),
        object_label=(str(obj) if obj is not None else "")[:300],
        before=_canonical(before) if before is not None else None,
        after=_canonical(after) if after is not None else None,
        reason=reason,
        previous_hash=last or GENESIS_HASH,
    )
    entry.entry_hash = _digest(entry)
    entry.save()
    return entry


@dataclass(frozen=True)
class ChainReport:
    checked: int
    first_broken_id: int | None
    problem: str

    @property
    def intact(self) -> bool:
        return self.first_broken_id is None


def verify_chain() -> ChainReport:
    """Recompute every hash in order; report the first row that does not match."""
    previous = GENESIS_HASH
    checked = 0
    with transaction.atomic():
        for entry in AuditEntry.objects.order_by("id").iterator(chunk_size=2000):
            if entry.previous_hash != previous:
                return ChainReport(checked, entry.pk, "previous_hash does not match")
            if _digest(entry) != entry.entry_hash:
                return ChainReport(checked, entry.pk, "content does not match its hash")
            previous = entry.entry_hash
            checked += 1
    return ChainReport(checked, None, "")


def snapshot(instance: Any, fields: list[str]) -> dict:
    """The named fields of a model instance as a plain dict for ``before``/``after``."""
    data = {}
    for name in fields:
        value = getattr(instance, name)
        data[name] = value.pk if hasattr(value, "pk") else value
    return _canonical(data)
