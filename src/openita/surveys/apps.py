from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "openita.surveys"
    label = "surveys"
    verbose_name = "IIT and EIT surveys"

    def ready(self) -> None:
        from . import checks  # noqa: F401 - registers the start-up checks
