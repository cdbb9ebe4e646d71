"""Password rules of openita, beside Django's (``AUTH_PASSWORD_VALIDATORS``)."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# The pieces of a local part people build passwords from: somchai.j -> somchai
_SEPARATORS = re.compile(r"[._+\-]+")


class EmailLocalPartValidator:
    """Refuse a password that contains the name before the @ of the person's e-mail.

    ``somchai.j@agency.go.th`` may not use ``Somchai.J2568`` or ``xSOMCHAI.jx``: the whole
    local part, in any case, once it has at least ``min_length`` characters; and each of its
    dot- or dash-separated pieces once it has at least ``min_piece`` (``somchai2568``).
    Django's similarity check misses such passwords when the rest makes them long.
    """

    def __init__(self, min_length: int = 3, min_piece: int = 4) -> None:
        self.min_length = min_length
        self.min_piece = min_piece

    def _names(self, email: str) -> list[str]:
        local = email.rpartition("@")[0].lower() if "@" in email else ""
        names = [local] if len(local) >= self.min_length else []
        names += [piece for piece in _SEPARATORS.split(local)
                  if len(piece) >= self.min_piece and piece != local]
        return names

    def validate(self, password: str, user: Any = None) -> None:
        email = str(getattr(user, "email", "") or "")
        folded = password.casefold()
        if any(name in folded for name in self._names(email)):
            raise ValidationError(
                _("The password contains the name of your e-mail address (the part before "
                  "the @). Choose one that does not."), code="password_has_email_name")

    def get_help_text(self) -> str:
        return _("Your password may not contain the name of your e-mail address (the part "
                 "before the @).")
