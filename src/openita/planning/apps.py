from django.apps import AppConfig


class PlanningConfig(AppConfig):
    name = "openita.planning"
    label = "planning"
    verbose_name = "ITA improvement planning"
