"""Domain errors that views turn into a message in the user's language."""

from __future__ import annotations


class ActionRefused(Exception):
    """A rule of the ITA process forbids this action now; ``message`` is already translated
    lazily, so it renders in the language of the request that shows it."""

    def __init__(self, message: object, *, field: str | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.field = field


class PhaseClosed(ActionRefused):
    """The action belongs to a phase window that is not open (for this agency) now."""
