from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "openita.surveys"
    label = "surveys"
    verbose_name = "IIT and EIT surveys"
