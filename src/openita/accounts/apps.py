from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "openita.accounts"
    label = "accounts"
    verbose_name = "accounts"

    def ready(self) -> None:
        from . import signals

        signals.connect()
