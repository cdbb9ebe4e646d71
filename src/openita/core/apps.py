from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "openita.core"
    label = "core"
    verbose_name = "openita core"

    def ready(self) -> None:
        from . import checks  # noqa: F401 - registers the deployment checks
