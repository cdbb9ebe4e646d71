"""The single entry point for permission checks in services."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied

from openita.core.audit import SystemActor


def require(user: Any, permission: str, obj: Any = None) -> None:
    """Raise PermissionDenied unless ``user`` has ``permission`` (a rules permission)."""
    if user is None or not user.has_perm(permission, obj):
        raise PermissionDenied(permission)


def require_unless_system(actor: Any, permission: str, obj: Any = None) -> None:
    """As ``require``, but a system process (a command, the demo builder) may act."""
    if isinstance(actor, SystemActor):
        return
    require(actor, permission, obj)
