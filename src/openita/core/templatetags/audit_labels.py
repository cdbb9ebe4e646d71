"""The readable name of a recorded audit action."""

from django import template

from openita.core import audit

register = template.Library()


@register.filter
def audit_action(value: str) -> str:
    return audit.action_label(value)
