from django.apps import AppConfig


class DisclosureConfig(AppConfig):
    name = "openita.disclosure"
    label = "disclosure"
    verbose_name = "OIT disclosure"
