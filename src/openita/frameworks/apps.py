from django.apps import AppConfig


class FrameworksConfig(AppConfig):
    name = "openita.frameworks"
    label = "frameworks"
    verbose_name = "ITA frameworks"
