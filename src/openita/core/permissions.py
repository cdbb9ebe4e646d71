"""The single entry point for permission checks in services."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied


def require(user: Any, permission: str, obj: Any = None) -> None:
    """Raise PermissionDenied unless ``user`` has ``permission`` (a rules permission)."""
    if user is None or not user.has_perm(permission, obj):
        raise PermissionDenied(permission)


def require_unless_system(actor: Any, permission: str, obj: Any = None) -> None:
    """As ``require``, but a command-line or demo process (named by a string) may act."""
    if isinstance(actor, str):
        return
    require(actor, permission, obj)
