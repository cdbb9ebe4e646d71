from django.apps import AppConfig


class ResultsConfig(AppConfig):
    name = "openita.results"
    label = "results"
    verbose_name = "ITA results"
