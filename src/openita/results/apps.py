from django.apps import AppConfig


class ResultsConfig(AppConfig):
    name = "openita.results"
    label = "results"
    verbose_name = "ITA results"

    def ready(self) -> None:
        # The public year page links to the OIT clarification filers list once NACC
        # publishes it (in disclosure, a floor below): its kept pages are drawn again.
        from django.db.models.signals import post_delete, post_save

        from openita.disclosure.models import FilersList

        from . import portal

        def filers_changed(**kwargs: object) -> None:
            portal.changed()

        post_save.connect(filers_changed, sender=FilersList, weak=False,
                          dispatch_uid="results.filers_changed.save")
        post_delete.connect(filers_changed, sender=FilersList, weak=False,
                            dispatch_uid="results.filers_changed.delete")
