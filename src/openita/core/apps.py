from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "openita.core"
    label = "core"
    verbose_name = "openita core"
