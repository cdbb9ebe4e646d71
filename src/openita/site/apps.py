from django.apps import AppConfig


class SiteConfig(AppConfig):
    """The top floor: pages that draw on every app, the demo country and the URLconf."""

    name = "openita.site"
    label = "site"
    verbose_name = "openita site"
