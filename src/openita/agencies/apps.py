from django.apps import AppConfig


class AgenciesConfig(AppConfig):
    name = "openita.agencies"
    label = "agencies"
    verbose_name = "agencies"
