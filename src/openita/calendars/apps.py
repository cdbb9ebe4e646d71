from django.apps import AppConfig


class CalendarsConfig(AppConfig):
    # Named "calendars" so that it never shadows the standard library's ``calendar``.
    name = "openita.calendars"
    label = "calendars"
    verbose_name = "assessment calendar"
