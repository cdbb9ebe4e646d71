"""The single entry point for permission checks in services."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied


def require(user: Any, permission: str, obj: Any = None) -> None:
    """Raise PermissionDenied unless ``user`` has ``permission`` (a rules permission)."""
    if user is None or not user.has_perm(permission, obj):
        raise PermissionDenied(permission)
