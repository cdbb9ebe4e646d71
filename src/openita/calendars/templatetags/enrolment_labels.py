"""Labels for values annotated onto querysets (loaded as a builtin)."""

from django import template

from openita.calendars.models import EnrolmentState

register = template.Library()


@register.filter
def enrolment_label(value: str) -> str:
    try:
        return str(EnrolmentState(value).label)
    except ValueError:
        return value
